import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = {
  ...operations('care.graphql'),
  ...operations('feedback.graphql'),
  ...operations('conversation.graphql'),
  ...operations('queue.graphql'),
  ...operations('customer.graphql'),
  ...operations('merge.graphql'),
};
const clock = new TestClock('2026-06-01T09:00:00Z');
const HOUR = 3_600_000;
const later = (hours: number) => new Date(clock.now().getTime() + hours * HOUR).toISOString();
let t: TestServer;
let seq = 0;
const emails = new Map<string, string>();

beforeAll(async () => {
  t = await startTestServer({ clock, jobs: true });
});
afterAll(() => t.stop());

/** A new customer of the first workspace, with an e-mail; `revenue` makes their first purchase now. */
async function customer(revenue: number | null = null, key = t.adminKey): Promise<string> {
  const email = `care-${++seq}@tasks.test`;
  const kind = revenue === null ? { kind: 'IDENTIFY' } : { kind: 'TRACK', event: 'order_completed', revenue };
  const result = await t.ingest(
    [{ messageId: `task-${seq}`, ...kind, identifiers: [{ type: 'EMAIL', value: email }], occurredAt: clock.now().toISOString() }],
    key,
  );
  expect(result.errors).toEqual([]);
  const [{ id }] = await t.sql(`select customer_id id from identity where value = ?`, [email]);
  emails.set(id, email);
  return id;
}

const tasksOf = async (id: string, key = t.adminKey) => (await data(t.url, key, op.CustomerCareTasks({ id }))).customer.careTasks;
const playbook = async (trigger: string) => (await data(t.url, t.adminKey, op.Playbooks())).playbooks.find((p: { trigger: string }) => p.trigger === trigger);

describe('playbooks', () => {
  it('a new workspace has the plans’ playbooks; a first purchase makes the thank-you and the check-in, due 24 h and 7 days after', async () => {
    const playbooks = (await data(t.url, t.adminKey, op.Playbooks())).playbooks;
    expect(playbooks.map((p: { trigger: string }) => p.trigger).sort()).toEqual(['BECAME_AT_RISK', 'COMPLAINT_OPENED', 'FIRST_PURCHASE']);

    const prospect = await customer();
    expect((await tasksOf(prospect)).totalCount).toBe(0);
    const buyer = await customer(120);
    const tasks = (await tasksOf(buyer)).edges.map((e: any) => e.node);
    expect(tasks.map((task: any) => [task.step, task.scene, task.dueAt, task.status, task.playbook.trigger])).toEqual([
      ['Thank-you', 'ONBOARDING', later(24), 'OPEN', 'FIRST_PURCHASE'],
      ['Check-in', 'AFTER_SALES', later(24 * 7), 'OPEN', 'FIRST_PURCHASE'],
    ]);
    // a second purchase is no first purchase
    await t.ingest([
      { messageId: `again-${buyer}`, kind: 'TRACK', event: 'order_completed', revenue: 5, identifiers: [{ type: 'EMAIL', value: emails.get(buyer) }] },
    ]);
    expect((await tasksOf(buyer)).totalCount).toBe(2);
  });

  it('completing a task on time counts on time, late counts late; a completed task cannot be completed again', async () => {
    const before = (await playbook('FIRST_PURCHASE')).stats;
    const buyer = await customer(50);
    const [thanks, checkIn] = (await tasksOf(buyer)).edges.map((e: any) => e.node);
    const done = (await data(t.url, await t.addKey(Role.AGENT), op.CompleteCareTask({ id: thanks.id, channel: 'WECHAT', note: '已致谢' }))).completeCareTask;
    expect(done).toMatchObject({ status: 'DONE', channel: 'WECHAT', note: '已致谢', doneAt: clock.now().toISOString(), overdue: false });
    const again = await post(t.url, t.adminKey, op.CompleteCareTask({ id: thanks.id }));
    expect(again.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'CARE_TASK_NOT_OPEN' });
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.CompleteCareTask({ id: checkIn.id })))).toEqual(['FORBIDDEN']);

    clock.set(later(24 * 8));
    expect((await tasksOf(buyer)).edges[1].node).toMatchObject({ id: checkIn.id, overdue: true });
    await data(t.url, t.adminKey, op.CompleteCareTask({ id: checkIn.id }));
    const stats = (await playbook('FIRST_PURCHASE')).stats;
    expect(stats).toMatchObject({ tasks: before.tasks + 2, done: before.done + 2, doneOnTime: before.doneOnTime + 1 });
    expect(stats.onTimeRate).toBeCloseTo(stats.doneOnTime / stats.done);
    const audit = await t.sql(`select action from audit_entry where subject_id = ?`, [thanks.id]);
    expect(audit).toEqual([{ action: 'care_task.completed' }]);
  });

  it('a complaint gets a call back in 30 minutes and daily updates until it is closed', async () => {
    const id = await customer(10);
    const complaint = (
      await data(
        t.url,
        t.adminKey,
        op.OpenFeedback({
          input: { customerId: id, category: 'COMPLAINT', severity: 'GENERAL', summary: 'Broken on arrival', acceptanceCriteria: 'a working replacement' },
        }),
      )
    ).openFeedback;
    const open = async () => (await data(t.url, t.adminKey, op.CustomerCareTasks({ id, status: 'OPEN' }))).customer.careTasks.edges.map((e: any) => e.node);
    const steps = (await open()).filter((task: any) => task.playbook?.trigger === 'COMPLAINT_OPENED');
    expect(steps.map((task: any) => [task.step, task.channel, task.dueAt])).toEqual([
      ['Call back', 'PHONE', later(0.5)],
      ['Daily update', null, later(24)],
    ]);
    // no win-back for a complaint: the complaint's own playbook cares for it
    expect((await open()).some((task: any) => task.playbook?.trigger === 'BECAME_AT_RISK')).toBe(false);

    await data(t.url, t.adminKey, op.CompleteCareTask({ id: steps[1].id, channel: 'PHONE' }));
    const next = (await open()).find((task: any) => task.step === 'Daily update');
    expect(next.dueAt).toBe(later(48));

    for (const status of ['ACKNOWLEDGED', 'IN_PROGRESS']) await data(t.url, t.adminKey, op.AdvanceFeedback({ input: { id: complaint.id, status } }));
    await data(t.url, t.adminKey, op.AdvanceFeedback({ input: { id: complaint.id, status: 'RESOLVED', note: 'replaced' } }));
    for (const status of ['VERIFIED', 'CLOSED']) await data(t.url, t.adminKey, op.AdvanceFeedback({ input: { id: complaint.id, status } }));
    const left = (await open()).filter((task: any) => task.playbook?.trigger === 'COMPLAINT_OPENED');
    expect(left.map((task: any) => task.step)).toEqual(['Call back']);
    const [cancelled] = await t.sql(`select status, note from care_task where id = ?`, [next.id]);
    expect(cancelled).toEqual({ status: 'CANCELLED', note: 'settled' });
  });

  it('becoming AT_RISK by time starts the win-back: 48 h and 7 days later, for the owner', async () => {
    clock.set('2026-06-01T09:00:00Z');
    const id = await customer(30);
    clock.set(later(24 * 100));
    await t.server.jobs.runNow('lifecycle_ageing');
    const winBack = (await tasksOf(id)).edges.map((e: any) => e.node).filter((task: any) => task.playbook?.trigger === 'BECAME_AT_RISK');
    expect(winBack.map((task: any) => [task.step, task.scene, task.dueAt])).toEqual([
      ['Win-back contact', 'WIN_BACK', later(48)],
      ['Win-back follow-up', 'WIN_BACK', later(24 * 7)],
    ]);
  });

  it('a segment playbook: entering the segment makes its task; createPlaybook checks its input', async () => {
    const segment = (
      await data(t.url, t.adminKey, {
        query: `mutation { createSegment(input: { name: "Big spenders ${seq}", kind: DYNAMIC, rule: { field: { field: TOTAL_SPEND, op: GTE, value: 5000 } } }) { id } }`,
      })
    ).createSegment;
    const bad = await post(t.url, t.adminKey, op.CreatePlaybook({ input: { name: 'x', trigger: 'SEGMENT_ENTERED', steps: [] } }));
    expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PLAYBOOK_INVALID', field: 'steps' });
    expect(codes(await post(t.url, await t.addKey(Role.AGENT), op.CreatePlaybook({ input: { name: 'x', trigger: 'SEGMENT_ENTERED', steps: [] } })))).toEqual([
      'FORBIDDEN',
    ]);
    const created = (
      await data(
        t.url,
        await t.addKey(Role.MARKETER),
        op.CreatePlaybook({
          input: {
            name: 'VIP welcome',
            trigger: 'SEGMENT_ENTERED',
            segmentId: segment.id,
            steps: [{ name: 'VIP call', dueAfterHours: 2, scene: 'MARKETING', channel: 'PHONE' }],
          },
        }),
      )
    ).createPlaybook;
    expect(created).toMatchObject({ trigger: 'SEGMENT_ENTERED', segmentId: segment.id, active: true });
    const small = await customer(100);
    const big = await customer(9000);
    expect((await tasksOf(small)).edges.some((e: any) => e.node.step === 'VIP call')).toBe(false);
    expect((await tasksOf(big)).edges.find((e: any) => e.node.step === 'VIP call').node).toMatchObject({ dueAt: later(2), channel: 'PHONE' });

    await data(
      t.url,
      t.adminKey,
      op.UpdatePlaybook({
        id: created.id,
        input: {
          name: 'VIP welcome',
          trigger: 'SEGMENT_ENTERED',
          segmentId: segment.id,
          active: false,
          steps: [{ name: 'VIP call', dueAfterHours: 2, scene: 'MARKETING' }],
        },
      }),
    );
    const another = await customer(9000);
    expect((await tasksOf(another)).edges.some((e: any) => e.node.step === 'VIP call')).toBe(false);
  });

  it('samples resolved conversations for a follow-up call three days later, by a hash of the id', async () => {
    await data(t.url, t.adminKey, op.CareSettings({ input: { followUpSampleRate: 1 } }));
    const agentId = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: `Sampler ${seq}`, skills: [], maxConcurrent: 5 } }))).createAgent.id;
    const id = await customer();
    const resolve = async () => {
      const conversation = (await data(t.url, t.adminKey, op.OpenConversation({ input: { customerId: id, channel: 'WEB_CHAT', body: 'hello' } })))
        .openConversation;
      await data(t.url, t.adminKey, op.AssignConversation({ conversationId: conversation.id, agentId }));
      await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: conversation.id }));
    };
    await resolve();
    const sampled = (await tasksOf(id)).edges.map((e: any) => e.node).filter((task: any) => task.step === 'Sampled follow-up');
    expect(sampled).toEqual([expect.objectContaining({ channel: 'PHONE', scene: 'AFTER_SALES', dueAt: later(72), playbook: null })]);
    await data(t.url, t.adminKey, op.CareSettings({ input: { followUpSampleRate: 0 } }));
    await resolve();
    expect((await tasksOf(id)).edges.filter((e: any) => e.node.step === 'Sampled follow-up')).toHaveLength(1);
    const invalid = await post(t.url, t.adminKey, op.CareSettings({ input: { followUpSampleRate: 1.5 } }));
    expect(invalid.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'followUpSampleRate' });
  });
});

describe('careTaskDue', () => {
  it('publishes a task when it falls due and when it becomes overdue, once each, to its workspace only', async () => {
    clock.set('2026-09-01T09:00:00Z');
    const other = await t.addWorkspace('Care elsewhere');
    const mine = wsClient(t.wsUrl, await t.addKey(Role.AGENT));
    const theirs = wsClient(t.wsUrl, other.adminKey);
    const due = await t.subscribe('CARE_TASK_DUE', () => collect(mine, op.CareTaskDue()));
    const foreign = await t.subscribe('CARE_TASK_DUE', () => collect(theirs, op.CareTaskDue()));
    try {
      await t.server.jobs.runNow('care_task_due'); // announces what earlier tests left due
      const id = await customer(10);
      const [thanks] = (await tasksOf(id)).edges.map((e: any) => e.node);
      const mark = async () => {
        const marker = await customer(10, other.adminKey);
        return marker;
      };
      const announcementsOf = (taskId: string) => due.events.filter((e) => e.data?.careTaskDue.id === taskId).map((e) => e.data!.careTaskDue.overdue);

      clock.set(later(23.5)); // within the hour's notice of the thank-you's due time
      await t.server.jobs.runNow('care_task_due');
      await due.until((e) => e.data?.careTaskDue.id === thanks.id);
      await t.server.jobs.runNow('care_task_due');
      clock.set(later(1));
      await t.server.jobs.runNow('care_task_due');
      await due.until((e) => e.data?.careTaskDue.id === thanks.id && e.data.careTaskDue.overdue);
      await t.server.jobs.runNow('care_task_due');
      // a later task of this workspace marks the end of what the runs above published
      const marker = await customer(10);
      const [markerTask] = (await tasksOf(marker)).edges.map((e: any) => e.node);
      clock.set(later(24));
      await t.server.jobs.runNow('care_task_due');
      await due.until((e) => e.data?.careTaskDue.id === markerTask.id);
      expect(announcementsOf(thanks.id)).toEqual([false, true]);

      await mark();
      clock.set(later(25));
      await t.server.jobs.runNow('care_task_due');
      await foreign.waitFor(1);
      expect(foreign.events.every((e) => e.data?.careTaskDue.customer.id !== id)).toBe(true);
    } finally {
      due.dispose();
      foreign.dispose();
      await mine.dispose();
      await theirs.dispose();
    }
  });
});

describe('care tasks and access', () => {
  it('lists and pages tasks by due time, filters them, costs the same statements for any number of customers, and keeps workspaces and roles apart', async () => {
    const ids = [await customer(1), await customer(2), await customer(3)];
    const all = (await data(t.url, t.adminKey, op.CareTasks({ first: 2, filter: { status: ['OPEN'] } }))).careTasks;
    expect(all.edges).toHaveLength(2);
    const dues = all.edges.map((e: any) => e.node.dueAt);
    expect([...dues].sort()).toEqual(dues);
    const next = (await data(t.url, t.adminKey, op.CareTasks({ first: 2, after: all.pageInfo.endCursor, filter: { status: ['OPEN'] } }))).careTasks;
    expect(next.edges[0].node.dueAt >= dues[1]).toBe(true);
    expect(next.edges.map((e: any) => e.node.id)).not.toContain(all.edges[1].node.id);
    const overdue = (await data(t.url, t.adminKey, op.CareTasks({ first: 500, filter: { overdue: true } }))).careTasks;
    expect(overdue.edges.every((e: any) => e.node.overdue)).toBe(true);

    const nested = (first: number) => ({
      query: `{ customers(first: ${first}) { edges { node { id careTasks(first: 2) { totalCount edges { node { id step } } } } } } }`,
    });
    const few = sqlStatements(await post(t.url, t.adminKey, nested(1)));
    const response = await post(t.url, t.adminKey, nested(10));
    expect(response.body.errors).toBeUndefined();
    const many = sqlStatements(response);
    expect(many).toBe(few);

    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.CareTasks({})))).toEqual(['FORBIDDEN']);
    const analyst = (await data(t.url, await t.addKey(Role.ANALYST), op.CareTasks({ first: 1 }))).careTasks;
    expect(analyst.totalCount).toBeGreaterThan(0);
    const other = await t.addWorkspace('Tasks elsewhere');
    expect((await data(t.url, other.adminKey, op.CareTasks({}))).careTasks.totalCount).toBe(0);
    const [task] = (await tasksOf(ids[0])).edges.map((e: any) => e.node);
    expect(codes(await post(t.url, other.adminKey, op.CompleteCareTask({ id: task.id })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, t.adminKey, op.CancelCareTask({ id: task.id, reason: ' ' })))).toEqual(['BAD_USER_INPUT']);
    expect((await data(t.url, t.adminKey, op.CancelCareTask({ id: task.id, reason: 'customer asked not to be called' }))).cancelCareTask.status).toBe(
      'CANCELLED',
    );
  });

  it('offers the template for the task’s scene and the customer’s contactability on its channel', async () => {
    const name = `Complaint call ${seq}`;
    const template = (
      await data(t.url, t.adminKey, {
        query: `mutation { createReplyTemplate(input: { name: "${name}", channel: PHONE, scene: COMPLAINT, body: "您好 {{customer.displayName}}" }) { id } }`,
      })
    ).createReplyTemplate;
    const id = await customer(10);
    await data(t.url, t.adminKey, {
      query: `mutation($id: ID!) { setPreferences(customerId: $id, input: { consents: [{ channel: PHONE, purpose: SERVICE, granted: true }] }) { preferredChannels } }`,
      variables: { id },
    });
    await t.sql(
      `insert into identity (id, workspace_id, customer_id, type, value, source, verified, first_seen_at, last_seen_at) values (gen_random_uuid(), ?, ?, 'PHONE', ?, 'test', false, now(), now())`,
      [t.workspaceId, id, `+86138${String(seq).padStart(8, '0')}`],
    );
    await data(t.url, t.adminKey, op.OpenFeedback({ input: { customerId: id, category: 'COMPLAINT', severity: 'GENERAL', summary: 'late' } }));
    const callBack = (await tasksOf(id)).edges.map((e: any) => e.node).find((task: any) => task.step === 'Call back');
    const advice = (await data(t.url, t.adminKey, op.CareTaskAdvice({ id: callBack.id }))).node;
    expect(advice.recommendedTemplate).toEqual({ id: template.id, name });
    expect(advice.contactability).toMatchObject({ allowed: true, blockedBy: [] });
  });

  it('export and erasure include care tasks', async () => {
    const id = await customer(10);
    const exported = (await data(t.url, t.adminKey, op.ExportCustomer({ id }))).exportCustomer.document;
    expect(exported.careTasks.map((task: { step: string }) => task.step)).toEqual(['Thank-you', 'Check-in']);
    await data(t.url, t.adminKey, op.EraseCustomer({ id }));
    expect(await t.sql(`select id from care_task where customer_id = ?`, [id])).toEqual([]);
  });
});
