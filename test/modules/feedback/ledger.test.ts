import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = { ...operations('feedback.graphql'), ...operations('ingest.graphql'), ...operations('preference.graphql'), ...operations('customer.graphql') };
const clock = new TestClock('2026-06-01T02:00:00Z');
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

const customer = async (key = t.adminKey) => {
  const email = `fb${++n}@f.test`;
  await data(
    t.url,
    key,
    op.Ingest({
      events: [
        {
          messageId: `fb-${n}`,
          kind: 'TRACK',
          event: 'order_completed',
          revenue: 50,
          identifiers: [
            { type: 'EMAIL', value: email },
            { type: 'PHONE', value: `+86135${String(n).padStart(8, '0')}` },
          ],
          occurredAt: clock.now().toISOString(),
        },
      ],
    }),
  );
  return (await data(t.url, key, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string;
};
const open = async (input: Record<string, unknown>, key = t.adminKey) => (await data(t.url, key, op.OpenFeedback({ input }))).openFeedback;
const advance = (id: string, status: string, extra: Record<string, unknown> = {}, key = t.adminKey) =>
  post(t.url, key, op.AdvanceFeedback({ input: { id, status, ...extra } }));
const hours = (h: number) => new Date(clock.now().getTime() + h * 3_600_000).toISOString();

describe('the rectification ledger', () => {
  it('sets the response deadline by severity, as the workspace configures it', async () => {
    const id = await customer();
    for (const [severity, h] of [
      ['GENERAL', 1],
      ['COMPLEX', 24],
      ['MAJOR', 48],
    ] as const) {
      expect((await open({ customerId: id, category: 'QUESTION', severity, summary: `a ${severity} question` })).responseDueAt).toBe(hours(h));
    }
    await data(t.url, t.adminKey, { query: 'mutation { updateWorkspaceSettings(input: { generalResponseHours: 0.5 }) { id } }' });
    expect((await open({ customerId: id, category: 'QUESTION', severity: 'GENERAL', summary: 'quick' })).responseDueAt).toBe(hours(0.5));
    await data(t.url, t.adminKey, { query: 'mutation { updateWorkspaceSettings(input: { generalResponseHours: 1 }) { id } }' });
  });

  it('walks every step in order, with a note to resolve and acceptance criteria to verify, and plans the follow-up on closing', async () => {
    const id = await customer();
    await data(t.url, t.adminKey, op.SetPreferences({ customerId: id, input: { preferredChannels: ['EMAIL'] } }));
    const item = await open({ customerId: id, category: 'SUGGESTION', severity: 'COMPLEX', summary: 'Late parcel', ownerTeam: 'logistics', dueAt: hours(72) });

    expect(codes(await advance(item.id, 'IN_PROGRESS'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await advance(item.id, 'CLOSED'))).toEqual(['BAD_USER_INPUT']);
    expect((await advance(item.id, 'ACKNOWLEDGED', { owner: 'wang' })).body.data.advanceFeedback).toMatchObject({
      status: 'ACKNOWLEDGED',
      owner: 'wang',
      acknowledgedAt: clock.now().toISOString(),
    });
    expect((await advance(item.id, 'IN_PROGRESS')).body.data.advanceFeedback.status).toBe('IN_PROGRESS');
    const noNote = await advance(item.id, 'RESOLVED');
    expect(codes(noNote)).toEqual(['BAD_USER_INPUT']);
    expect(noNote.body.errors[0].extensions.field).toBe('note');
    expect((await advance(item.id, 'RESOLVED', { note: 'Re-sent by express' })).body.data.advanceFeedback).toMatchObject({
      status: 'RESOLVED',
      resolutionNote: 'Re-sent by express',
    });
    const unverifiable = await advance(item.id, 'VERIFIED');
    expect(codes(unverifiable)).toEqual(['BAD_USER_INPUT']);
    expect(unverifiable.body.errors[0].extensions.field).toBe('acceptanceCriteria');

    // verification fails: back to work, then through again with criteria on a fresh item
    expect((await advance(item.id, 'IN_PROGRESS')).body.data.advanceFeedback).toMatchObject({ status: 'IN_PROGRESS', resolvedAt: null });

    const second = await open({
      customerId: id,
      category: 'COMPLAINT',
      severity: 'MAJOR',
      summary: 'Broken on arrival',
      acceptanceCriteria: 'Replacement delivered and confirmed by the customer',
    });
    for (const status of ['ACKNOWLEDGED', 'IN_PROGRESS']) await advance(second.id, status);
    await advance(second.id, 'RESOLVED', { note: 'Replacement sent' });
    expect((await advance(second.id, 'VERIFIED')).body.data.advanceFeedback.verifiedAt).toBe(clock.now().toISOString());
    const closed = (await advance(second.id, 'CLOSED')).body.data.advanceFeedback;
    expect(closed).toMatchObject({ status: 'CLOSED', customerNotifiedAt: clock.now().toISOString(), overdue: false });
    expect(closed.followUps).toEqual([{ id: expect.any(String), dueAt: hours(24 * 7), channel: 'EMAIL', doneAt: null, outcome: null }]);
    expect(codes(await advance(second.id, 'OPEN'))).toEqual(['BAD_USER_INPUT']);

    const done = (await data(t.url, t.adminKey, op.CompleteFollowUp({ id: closed.followUps[0].id, outcome: '客户满意' }))).completeFollowUp;
    expect(done).toMatchObject({ doneAt: clock.now().toISOString(), outcome: '客户满意' });
    expect(codes(await post(t.url, t.adminKey, op.CompleteFollowUp({ id: done.id, outcome: 'again' })))).toEqual(['BAD_USER_INPUT']);
    const extra = (await data(t.url, t.adminKey, op.ScheduleFollowUp({ input: { feedbackItemId: second.id, dueAt: hours(24 * 30), channel: 'PHONE' } })))
      .scheduleFollowUp;
    expect(extra).toMatchObject({ channel: 'PHONE', dueAt: hours(24 * 30), doneAt: null });
  });

  it('makes a complaining customer AT_RISK at once and tags them complaint-risk', async () => {
    const id = await customer();
    await open({ customerId: id, category: 'COMPLAINT', severity: 'GENERAL', summary: 'Rude courier' });
    const { customer: after } = await data(t.url, t.adminKey, op.Customer({ id }));
    expect(after.lifecycleStage).toBe('AT_RISK');
    expect(after.tags).toContain('complaint-risk');
    const [history] = await Promise.all([data(t.url, t.adminKey, { query: `{ customer(id: "${id}") { lifecycleHistory { from to reason } } }` })]);
    expect(history.customer.lifecycleHistory.at(-1)).toEqual({ from: 'NEW', to: 'AT_RISK', reason: 'complaint' });
  });

  it('knows what is overdue, lists it, and publishes each overdue item once', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const other = await t.addWorkspace('Overdue elsewhere');
    const mine = wsClient(t.wsUrl, await t.addKey(Role.AGENT));
    const theirs = wsClient(t.wsUrl, other.adminKey);
    const alerts = await t.subscribe('FEEDBACK_OVERDUE', () => collect(mine, op.FeedbackOverdue()));
    const foreign = await t.subscribe('FEEDBACK_OVERDUE', () => collect(theirs, op.FeedbackOverdue()));
    try {
      const id = await customer();
      const late = await open({ customerId: id, category: 'QUESTION', severity: 'GENERAL', summary: 'No answer yet' });
      const acknowledged = await open({ customerId: id, category: 'QUESTION', severity: 'GENERAL', summary: 'Answered in time', dueAt: hours(5) });
      await advance(acknowledged.id, 'ACKNOWLEDGED');
      await open({ customerId: await customer(other.adminKey), category: 'QUESTION', severity: 'GENERAL', summary: 'theirs' }, other.adminKey);

      clock.set(hours(2));
      const overdue = (await data(t.url, t.adminKey, op.FeedbackItems({ filter: { overdue: true } }))).feedbackItems;
      expect(overdue.edges.map((e: any) => e.node.id)).toContain(late.id);
      expect(overdue.edges.map((e: any) => e.node.id)).not.toContain(acknowledged.id);
      expect(overdue.edges.every((e: any) => e.node.overdue)).toBe(true);

      await t.server.jobs.runNow('feedback_overdue');
      await alerts.waitFor(1);
      await t.server.jobs.runNow('feedback_overdue');
      clock.set(hours(4)); // past the acknowledged item's dueAt, still unresolved
      await t.server.jobs.runNow('feedback_overdue');
      await alerts.waitFor(2);
      // markers, one per workspace, overdue at a later sweep: each subscriber has everything before its own
      const marker = { category: 'QUESTION', severity: 'GENERAL', summary: 'marker', dueAt: hours(1) };
      const mineMarker = await open({ customerId: id, ...marker });
      const theirMarker = await open({ customerId: await customer(other.adminKey), ...marker }, other.adminKey);
      clock.set(hours(2));
      await t.server.jobs.runNow('feedback_overdue');
      const before = async (sub: typeof alerts, markerId: string) => {
        const at = sub.events.indexOf(await sub.until((e) => e.data!.feedbackOverdue.id === markerId));
        return sub.events.slice(0, at).map((e) => e.data!.feedbackOverdue);
      };
      const ids = (await before(alerts, mineMarker.id)).map((item) => item.id);
      expect(ids.filter((x) => x === late.id)).toHaveLength(1);
      expect(ids).toContain(acknowledged.id);
      const foreignSummaries = (await before(foreign, theirMarker.id)).map((item) => item.summary);
      expect(foreignSummaries).not.toContain('No answer yet');
      expect(foreignSummaries).not.toContain('Answered in time');
    } finally {
      alerts.dispose();
      foreign.dispose();
      await mine.dispose();
      await theirs.dispose();
    }
  });

  it('filters, pages, and keeps each workspace and role to its own', async () => {
    const id = await customer();
    await open({ customerId: id, category: 'PRAISE', severity: 'GENERAL', summary: 'Lovely service', ownerTeam: 'store-12' });
    const praise = (await data(t.url, t.adminKey, op.FeedbackItems({ filter: { category: ['PRAISE'], ownerTeam: 'store-12' } }))).feedbackItems;
    expect(praise.totalCount).toBe(1);
    const firstPage = (await data(t.url, t.adminKey, op.FeedbackItems({ first: 2 }))).feedbackItems;
    const secondPage = (await data(t.url, t.adminKey, op.FeedbackItems({ first: 2, after: firstPage.pageInfo.endCursor }))).feedbackItems;
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    expect(secondPage.edges.map((e: any) => e.node.id)).not.toContain(firstPage.edges[0].node.id);

    const marketer = await t.addKey(Role.MARKETER);
    expect(codes(await post(t.url, marketer, op.OpenFeedback({ input: { customerId: id, category: 'PRAISE', severity: 'GENERAL', summary: 'x' } })))).toEqual([
      'FORBIDDEN',
    ]);
    expect((await data(t.url, marketer, op.FeedbackItems({}))).feedbackItems.totalCount).toBeGreaterThan(0);
    expect(await open({ customerId: id, category: 'PRAISE', severity: 'GENERAL', summary: 'by an agent' }, await t.addKey(Role.AGENT))).toMatchObject({
      summary: 'by an agent',
    });

    const other = await t.addWorkspace('Other ledger');
    expect((await data(t.url, other.adminKey, op.FeedbackItems({}))).feedbackItems.totalCount).toBe(0);
    expect(
      codes(await post(t.url, other.adminKey, op.OpenFeedback({ input: { customerId: id, category: 'PRAISE', severity: 'GENERAL', summary: 'x' } }))),
    ).toEqual(['NOT_FOUND']);
    expect(codes(await advance(praise.edges[0].node.id, 'ACKNOWLEDGED', {}, other.adminKey))).toEqual(['NOT_FOUND']);
    expect(
      codes(await post(t.url, t.adminKey, op.OpenFeedback({ input: { customerId: id, category: 'PRAISE', severity: 'GENERAL', summary: '  ' } }))),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('loads customers’ feedback in a bounded number of statements', async () => {
    const other = await t.addWorkspace('Feedback lists');
    for (let i = 0; i < 12; i++) {
      const id = await customer(other.adminKey);
      await open({ customerId: id, category: 'QUESTION', severity: 'GENERAL', summary: `q${i}` }, other.adminKey);
    }
    const [small, large] = [
      await post(t.url, other.adminKey, op.CustomersWithFeedback({ first: 2 })),
      await post(t.url, other.adminKey, op.CustomersWithFeedback({ first: 12 })),
    ];
    expect(large.body.data.customers.edges.every((e: any) => e.node.feedbackItems.totalCount === 1)).toBe(true);
    expect(sqlStatements(large)).toBe(sqlStatements(small));
  });
});
