import { codes, collect, data, post, wsClient } from '../../support/client';
import { TestClock } from '../../support/clock';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql') };
const clock = new TestClock('2026-06-01T09:00:00Z');
let t: TestServer;
let queueId: string;
let agentId: string;

const at = (iso: string) => clock.set(iso);
const sweep = () => t.server.jobs!.runNow('sla_sweep');
const open = async (email: string) =>
  (await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WECHAT', body: 'hello', queueId } })))
    .openConversation;
const state = async (id: string) => (await data(t.url, t.adminKey, op.Conversation({ id }))).conversation;

beforeAll(async () => {
  t = await startTestServer({ clock, jobs: true });
  const policy = (await data(t.url, t.adminKey, op.CreateSlaPolicy({ input: { name: 'Core channels', firstResponseSeconds: 300, resolutionSeconds: 3600 } })))
    .createSlaPolicy;
  expect(policy.warnAt).toBe(0.8);
  queueId = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'WeChat', channels: ['WECHAT'], slaPolicyId: policy.id } }))).createQueue.id;
  agentId = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: 'Wang', skills: [], maxConcurrent: 10, queueIds: [queueId] } }))).createAgent.id;
});
afterAll(() => t.stop());

describe('SLA', () => {
  it('sets due times from the queue policy; an on-time first reply and resolution are MET', async () => {
    at('2026-06-01T09:00:00Z');
    const c = await open('ontime@example.com');
    expect(c).toMatchObject({
      firstResponseDueAt: '2026-06-01T09:05:00.000Z',
      resolutionDueAt: '2026-06-01T10:00:00.000Z',
      slaState: 'OK',
      firstResponseSla: 'OK',
    });
    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'bot hello', direction: 'OUTBOUND', author: 'BOT' } }));
    expect((await state(c.id)).firstResponseAt).toBeNull();
    at('2026-06-01T09:03:00Z');
    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'hi, Wang here', direction: 'OUTBOUND', author: 'AGENT', agentId } }));
    expect(await state(c.id)).toMatchObject({ firstResponseAt: '2026-06-01T09:03:00.000Z', firstResponseSla: 'MET', slaState: 'OK' });
    at('2026-06-01T09:30:00Z');
    expect((await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id }))).resolveConversation).toMatchObject({
      resolutionSla: 'MET',
      slaState: 'MET',
    });
  });

  it('warns at 80% and alerts a breach once, from the job runner, to slaAlerts subscribers', async () => {
    const ws = wsClient(t.wsUrl, t.adminKey);
    const alerts = await t.subscribe('SLA_ALERT', () => collect(ws, op.SlaAlerts({ queueId })));
    at('2026-06-02T09:00:00Z');
    const late = await open('late@example.com');
    at('2026-06-02T09:03:59Z');
    await sweep();
    expect((await state(late.id)).slaState).toBe('OK');
    at('2026-06-02T09:04:00Z');
    await sweep();
    await sweep();
    expect(await state(late.id)).toMatchObject({ slaState: 'AT_RISK', firstResponseSla: 'AT_RISK' });
    at('2026-06-02T09:05:01Z');
    await sweep();
    await sweep();
    expect(await state(late.id)).toMatchObject({ slaState: 'BREACHED', firstResponseSla: 'BREACHED', resolutionSla: 'OK' });
    await data(
      t.url,
      t.adminKey,
      op.PostMessage({ input: { conversationId: late.id, body: 'sorry for the wait', direction: 'OUTBOUND', author: 'AGENT', agentId } }),
    );
    expect((await state(late.id)).firstResponseSla).toBe('BREACHED');
    // a repeated alert would come before the resolution breach, which the later sweep must send third
    await alerts.waitFor(2);
    expect(alerts.events.map((e) => [e.data?.slaAlerts.state, e.data?.slaAlerts.target, e.data?.slaAlerts.dueAt, e.data?.slaAlerts.conversation.id])).toEqual([
      ['AT_RISK', 'FIRST_RESPONSE', '2026-06-02T09:05:00.000Z', late.id],
      ['BREACHED', 'FIRST_RESPONSE', '2026-06-02T09:05:00.000Z', late.id],
    ]);
    expect((await data(t.url, t.adminKey, op.Queue({ id: queueId }))).queue.stats.breachedToday).toBe(1);

    at('2026-06-02T11:00:00Z');
    await sweep();
    await alerts.waitFor(3);
    expect(alerts.events[2].data?.slaAlerts).toMatchObject({ state: 'BREACHED', target: 'RESOLUTION' });
    expect((await data(t.url, t.adminKey, op.Queue({ id: queueId }))).queue.stats.breachedToday).toBe(1);
    at('2026-06-03T11:00:00Z');
    expect((await data(t.url, t.adminKey, op.Queue({ id: queueId }))).queue.stats.breachedToday).toBe(0);
    await ws.dispose();
  });

  it('refuses policies that make no sense', async () => {
    for (const input of [
      { firstResponseSeconds: 0, resolutionSeconds: 10 },
      { firstResponseSeconds: 60, resolutionSeconds: 30 },
      { firstResponseSeconds: 60, resolutionSeconds: 600, warnAt: 1.5 },
    ]) {
      expect(codes(await post(t.url, t.adminKey, op.CreateSlaPolicy({ input: { name: 'bad', ...input } })))).toEqual(['BAD_USER_INPUT']);
    }
    expect(
      codes(await post(t.url, t.adminKey, op.CreateSlaPolicy({ input: { name: 'Core channels', firstResponseSeconds: 60, resolutionSeconds: 600 } }))),
    ).toEqual(['CONFLICT']);
  });
});
