import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('feedback.graphql') };
const clock = new TestClock('2026-06-01T09:00:00Z');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock, jobs: true });
});
afterAll(() => t.stop());

const queue = async (name: string, slaPolicyId?: string) =>
  (await data(t.url, t.adminKey, op.CreateQueue({ input: { name, channels: ['PHONE'], slaPolicyId } }))).createQueue.id as string;
const open = async (queueId: string, who: string, priority = 'NORMAL') =>
  (
    await data(
      t.url,
      t.adminKey,
      op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: `${who}@escalate.test` }], channel: 'PHONE', body: 'help', queueId, priority } }),
    )
  ).openConversation.id as string;
const escalate = (conversationId: string, reason: string, toQueueId?: string, key = t.adminKey) =>
  post(t.url, key, op.EscalateConversation({ conversationId, reason, toQueueId }));

describe('escalation (升级)', () => {
  it('raises the priority one step, moves the queue when asked, records and audits it; URGENT stays URGENT', async () => {
    const [first, second] = [await queue('Front line'), await queue('Specialists')];
    const id = await open(first, 'angry');
    const once = (await escalate(id, 'customer asked for a manager')).body.data.escalateConversation;
    expect(once).toMatchObject({ priority: 'HIGH', status: 'QUEUED', queue: { id: first } });
    expect(once.escalations).toEqual([
      expect.objectContaining({
        reason: 'customer asked for a manager',
        fromPriority: 'NORMAL',
        toPriority: 'HIGH',
        fromQueueId: first,
        toQueueId: first,
        automatic: false,
      }),
    ]);
    const twice = (await escalate(id, 'still waiting', second)).body.data.escalateConversation;
    expect(twice).toMatchObject({ priority: 'URGENT', queue: { id: second } });
    expect(twice.escalations.at(-1)).toMatchObject({ fromPriority: 'HIGH', toPriority: 'URGENT', fromQueueId: first, toQueueId: second });
    const thrice = (await escalate(id, 'again')).body.data.escalateConversation;
    expect(thrice.escalations.at(-1)).toMatchObject({ fromPriority: 'URGENT', toPriority: 'URGENT' });
    const audits = await t.sql(`select action from audit_entry where subject_id = ? and action like 'conversation.%' order by at`, [id]);
    expect(audits.map((a) => a.action).filter((a) => a === 'conversation.escalated')).toHaveLength(3);
    expect(audits.map((a) => a.action)).toContain('conversation.transferred');
  });

  it('refuses a blank reason, an unknown queue, a resolved conversation and roles that do not handle conversations, with codes', async () => {
    const id = await open(await queue('Refusals'), 'refused');
    expect((await escalate(id, '  ')).body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'CONVERSATION_ESCALATION_REASON_LENGTH' });
    expect(codes(await escalate(id, 'x', '01a24d28-0e2b-7349-8ab6-83c10526e060'))).toEqual(['NOT_FOUND']);
    expect(codes(await escalate(id, 'x', undefined, await t.addKey(Role.MARKETER)))).toEqual(['FORBIDDEN']);
    await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: id }));
    expect(codes(await escalate(id, 'too late'))).toEqual(['BAD_USER_INPUT']);
    const [{ n }] = await t.sql(`select count(*)::int n from conversation_escalation where conversation_id = ?`, [id]);
    expect(n).toBe(0);
  });

  it('escalates a breach once, automatically, when the policy says so', async () => {
    const policy = (
      await data(
        t.url,
        t.adminKey,
        op.CreateSlaPolicy({ input: { name: 'Escalating', firstResponseSeconds: 60, resolutionSeconds: 120, escalateOnBreach: true } }),
      )
    ).createSlaPolicy.id;
    const quiet = (await data(t.url, t.adminKey, op.CreateSlaPolicy({ input: { name: 'Quiet', firstResponseSeconds: 60, resolutionSeconds: 120 } })))
      .createSlaPolicy.id;
    const escalating = await open(await queue('Escalating line', policy), 'breached');
    const unescalated = await open(await queue('Quiet line', quiet), 'breached-quietly');

    clock.set(new Date(clock.now().getTime() + 90_000)); // first response breached
    await t.server.jobs!.runNow('sla_sweep');
    clock.set(new Date(clock.now().getTime() + 60_000)); // resolution breached too
    await t.server.jobs!.runNow('sla_sweep');

    const rows = await t.sql(
      `select conversation_id, from_priority, to_priority, automatic, reason from conversation_escalation where conversation_id = any(?::uuid[])`,
      [[escalating, unescalated]],
    );
    expect(rows).toEqual([
      { conversation_id: escalating, from_priority: 'NORMAL', to_priority: 'HIGH', automatic: true, reason: 'FIRST_RESPONSE target breached' },
    ]);
    const [{ priority }] = await t.sql(`select priority from conversation where id = ?`, [escalating]);
    expect(priority).toBe('HIGH');
  });

  it('puts a customer with an open complaint, or a complaint topic, at the front of the queue without asking for URGENT', async () => {
    const line = await queue('Complaint lane');
    const before = await open(line, 'early-bird');
    const complainer = await open(line, 'complainer');
    const [{ customer_id: customerId }] = await t.sql(`select customer_id from conversation where id = ?`, [complainer]);
    await data(t.url, t.adminKey, op.OpenFeedback({ input: { customerId, category: 'COMPLAINT', severity: 'MAJOR', summary: 'billed twice' } }));
    const again = await open(line, 'complainer');
    const topical = (
      await data(
        t.url,
        t.adminKey,
        op.OpenConversation({
          input: {
            identifiers: [{ type: 'EMAIL', value: 'topical@escalate.test' }],
            channel: 'PHONE',
            body: 'hi',
            queueId: line,
            topic: '投诉: late delivery',
          },
        }),
      )
    ).openConversation.id;
    const order = await t.sql(`select id, priority from conversation where queue_id = ? and status = 'QUEUED' order by rank, enqueued_at, id`, [line]);
    expect(order.map((row) => row.id)).toEqual([again, topical, before, complainer]);
    expect(new Set(order.map((row) => row.priority))).toEqual(new Set(['NORMAL']));
  });
});
