import { Role } from '../../../src/graphql/enums';
import { startChildServer, type ChildServer } from '../../support/child-server';
import { collect, data, wsClient, type Collected } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql') };
let t: TestServer;
let other: ChildServer;
let queueId: string;
let agentId: string;
const clients: ReturnType<typeof wsClient>[] = [];
const client = (url: string, key: string) => {
  const made = wsClient(url, key);
  clients.push(made);
  return made;
};

beforeAll(async () => {
  t = await startTestServer();
  other = await startChildServer(t.databaseUrl, { CDP_JOBS: 'false' });
  queueId = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Live', channels: ['WEB_CHAT'] } }))).createQueue.id;
  agentId = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: 'Live agent', skills: [], maxConcurrent: 3, queueIds: [queueId] } }))).createAgent
    .id;
});
afterAll(async () => {
  for (const made of clients) await made.dispose();
  await other?.stop();
  await t?.stop();
});

const open = async (url: string, email: string) =>
  (await data(url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WEB_CHAT', body: 'hi', queueId } })))
    .openConversation;
const changes = (sub: Collected) => sub.events.map((e) => `${e.data?.queueUpdated.change}:${e.data?.queueUpdated.conversation?.id ?? '-'}`);

describe('live queue subscriptions', () => {
  it('tell one workspace of its queue, conversation and agent events with fresh stats, and another workspace nothing', async () => {
    const agentKey = await t.addKey(Role.AGENT);
    const b = await t.addWorkspace('Workspace B');
    const queueSub = await t.subscribe('QUEUE_UPDATED', () => collect(client(t.wsUrl, agentKey), op.QueueUpdated({ queueId })));
    const agentSub = await t.subscribe('AGENT_ASSIGNED', () => collect(client(t.wsUrl, agentKey), op.AgentAssigned({ agentId })));
    const bQueues = await t.subscribe('QUEUE_UPDATED', () => collect(client(t.wsUrl, b.adminKey), op.QueueUpdated({})));
    const bAlerts = await t.subscribe('SLA_ALERT', () => collect(client(t.wsUrl, b.adminKey), op.SlaAlerts({})));

    const c = await open(t.url, 'live1@example.com');
    await queueSub.waitFor(1);
    expect(queueSub.events[0].data?.queueUpdated).toMatchObject({
      change: 'ENQUEUED',
      queue: { id: queueId },
      conversation: { id: c.id, status: 'QUEUED' },
      stats: { waiting: 1, assigned: 0, agentsOnline: 0 },
    });
    const convSub = await t.subscribe('CONVERSATION_UPDATED', () => collect(client(t.wsUrl, agentKey), op.ConversationUpdated({ conversationId: c.id })));

    await data(t.url, t.adminKey, op.SetAgentStatus({ agentId, status: 'ONLINE' }));
    await queueSub.waitFor(3);
    expect(changes(queueSub)).toEqual([`ENQUEUED:${c.id}`, 'STATS:-', `ASSIGNED:${c.id}`]);
    expect(queueSub.events[2].data?.queueUpdated.stats).toMatchObject({ waiting: 0, assigned: 1, agentsOnline: 1 });
    await agentSub.waitFor(1);
    expect(agentSub.events[0].data?.agentAssigned).toMatchObject({ id: c.id, status: 'ASSIGNED', assignee: { id: agentId } });

    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'how can I help?', direction: 'OUTBOUND', author: 'AGENT' } }));
    await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id }));
    await convSub.waitFor(3);
    expect(convSub.events.map((e) => e.data?.conversationUpdated.kind)).toEqual(['ASSIGNED', 'MESSAGE', 'STATUS']);
    expect(convSub.events[1].data?.conversationUpdated.message).toMatchObject({ body: 'how can I help?', direction: 'OUTBOUND' });
    await queueSub.waitFor(4);
    expect(queueSub.events[3].data?.queueUpdated).toMatchObject({ change: 'RESOLVED', stats: { assigned: 0 } });

    // a marker of workspace B's own, published after everything above: B's queue subscriber gets it and nothing before it
    const bQueue = (await data(t.url, b.adminKey, op.CreateQueue({ input: { name: 'B line', channels: ['WEB_CHAT'] } }))).createQueue.id;
    const bOpened = (
      await data(
        t.url,
        b.adminKey,
        op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: 'b@example.com' }], channel: 'WEB_CHAT', body: 'hi', queueId: bQueue } }),
      )
    ).openConversation;
    await bQueues.waitFor(1);
    expect(changes(bQueues)).toEqual([`ENQUEUED:${bOpened.id}`]);
    expect(bAlerts.events).toEqual([]);
  });

  it('refuses a queue, agent or conversation of another workspace, and roles that may not read conversations', async () => {
    const b = await t.addWorkspace('Workspace C');
    const marketer = await t.addKey(Role.MARKETER);
    const errorOf = async (sub: Collected) => {
      await sub.waitFor(1, 3000).catch(() => undefined);
      return ((sub.error ?? sub.events[0]?.errors) as { extensions?: { code?: string } }[] | undefined)?.map((e) => e.extensions?.code);
    };
    expect(await errorOf(collect(client(t.wsUrl, b.adminKey), op.QueueUpdated({ queueId })))).toEqual(['NOT_FOUND']);
    expect(await errorOf(collect(client(t.wsUrl, b.adminKey), op.AgentAssigned({ agentId })))).toEqual(['NOT_FOUND']);
    expect(await errorOf(collect(client(t.wsUrl, b.adminKey), op.ConversationUpdated({ conversationId: agentId })))).toEqual(['NOT_FOUND']);
    expect(await errorOf(collect(client(t.wsUrl, marketer), op.QueueUpdated({ queueId })))).toEqual(['FORBIDDEN']);
  });

  it('run one event once per kind of subscriber: the same operation and role share a result, an ANALYST still gets bodies masked', async () => {
    const analystKey = await t.addKey(Role.ANALYST);
    const c = await open(t.url, 'shared1@example.com');
    const updates = (key: string) => t.subscribe('CONVERSATION_UPDATED', () => collect(client(t.wsUrl, key), op.ConversationUpdated({ conversationId: c.id })));
    const admins = [await updates(t.adminKey), await updates(t.adminKey), await updates(t.adminKey)];
    const analyst = await updates(analystKey);
    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'my card ends 4242', direction: 'INBOUND', author: 'CUSTOMER' } }));
    for (const sub of [...admins, analyst]) await sub.waitFor(1);
    const bodies = (sub: Collected) => sub.events.map((e) => e.data?.conversationUpdated.message?.body);
    for (const sub of admins) expect(bodies(sub)).toEqual(['my card ends 4242']);
    expect(bodies(analyst)).toEqual(['[masked: 17 characters]']);
    await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id }));
  });

  it('send a shared result to everyone of the same workspace, role, operation and variables, and no one else', async () => {
    const b = await t.addWorkspace('Workspace S');
    const analystKey = await t.addKey(Role.ANALYST);
    const otherQueue = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Other line', channels: ['WEB_CHAT'] } }))).createQueue.id;
    const bQueue = (await data(t.url, b.adminKey, op.CreateQueue({ input: { name: 'S line', channels: ['WEB_CHAT'] } }))).createQueue.id;
    const c = await open(t.url, 'serialized1@example.com');
    const updates = (key: string) => t.subscribe('CONVERSATION_UPDATED', () => collect(client(t.wsUrl, key), op.ConversationUpdated({ conversationId: c.id })));
    const queue = (key: string, variables: Record<string, unknown>) =>
      t.subscribe('QUEUE_UPDATED', () => collect(client(t.wsUrl, key), op.QueueUpdated(variables)));
    // two of a kind on separate sockets, and one that differs from them in a single respect each
    const admins = [await updates(t.adminKey), await updates(t.adminKey)];
    const analyst = await updates(analystKey);
    const allQueues = [await queue(t.adminKey, {}), await queue(t.adminKey, {})];
    const bAllQueues = await queue(b.adminKey, {});
    const other = await queue(t.adminKey, { queueId: otherQueue });

    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'my card ends 4242', direction: 'INBOUND', author: 'CUSTOMER' } }));
    const message = (sub: Collected) => sub.until((e) => e.data?.conversationUpdated.kind === 'MESSAGE');
    const [first, second] = [await message(admins[0]), await message(admins[1])];
    expect(first.data?.conversationUpdated.message.body).toBe('my card ends 4242');
    expect(second).toEqual(first);
    expect((await message(analyst)).data?.conversationUpdated.message.body).toBe('[masked: 17 characters]');

    const d = await open(t.url, 'serialized2@example.com');
    const enqueued = (sub: Collected, id: string) =>
      sub.until((e) => e.data?.queueUpdated.change === 'ENQUEUED' && e.data.queueUpdated.conversation?.id === id);
    const [mine, theirs] = [await enqueued(allQueues[0], d.id), await enqueued(allQueues[1], d.id)];
    expect(theirs).toEqual(mine);
    expect(mine.data?.queueUpdated.queue).toEqual({ id: queueId, name: 'Live' });

    // markers of their own, published after everything above: each of the others gets its marker and nothing before it
    const openOn = async (key: string, line: string, email: string) =>
      (
        await data(
          t.url,
          key,
          op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WEB_CHAT', body: 'hi', queueId: line } }),
        )
      ).openConversation as { id: string };
    const otherMarker = await openOn(t.adminKey, otherQueue, 'serialized3@example.com');
    const bMarker = await openOn(b.adminKey, bQueue, 's@example.com');
    await enqueued(other, otherMarker.id);
    expect(changes(other)).toEqual([`ENQUEUED:${otherMarker.id}`]);
    await enqueued(bAllQueues, bMarker.id);
    expect(changes(bAllQueues)).toEqual([`ENQUEUED:${bMarker.id}`]);
    // the live queue's agent has room for the next test's conversations
    for (const done of [c, d]) await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: done.id }));
  });

  it('reach subscribers on two server processes alike, whichever process made the change', async () => {
    const here = await t.subscribe('QUEUE_UPDATED', () => collect(client(t.wsUrl, t.adminKey), op.QueueUpdated({ queueId })));
    const there = await other.subscribe('QUEUE_UPDATED', () => collect(client(other.wsUrl, t.adminKey), op.QueueUpdated({ queueId })));
    const first = await open(other.url, 'two1@example.com');
    const second = await open(t.url, 'two2@example.com');
    await data(other.url, t.adminKey, op.ResolveConversation({ conversationId: first.id }));
    const expected = [`ENQUEUED:${first.id}`, `ASSIGNED:${first.id}`, `ENQUEUED:${second.id}`, `ASSIGNED:${second.id}`, `RESOLVED:${first.id}`];
    await here.waitFor(5);
    await there.waitFor(5);
    // NOTIFY from the other process and local delivery may interleave: the same events, not necessarily in one order
    expect(changes(here).sort()).toEqual([...expected].sort());
    expect(changes(there).sort()).toEqual([...expected].sort());
    const last = (sub: Collected) => sub.events.find((e) => e.data?.queueUpdated.change === 'RESOLVED')?.data?.queueUpdated.stats;
    expect(last(there)).toMatchObject({ waiting: 0, assigned: 1, agentsOnline: 1 });
    expect(last(here)).toMatchObject({ waiting: 0, assigned: 1, agentsOnline: 1 });
  });
});
