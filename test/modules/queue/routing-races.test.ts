import { startChildServer, type ChildServer } from '../../support/child-server';
import { collect, data, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql') };
let t: TestServer;
let other: ChildServer;

beforeAll(async () => {
  t = await startTestServer({ config: { poolSize: 12 } });
  other = await startChildServer(t.databaseUrl, { CDP_JOBS: 'false', CDP_POOL_SIZE: '12' });
});
afterAll(async () => {
  await other?.stop();
  await t?.stop();
});

describe('routing from two server processes at once', () => {
  it('assigns no conversation twice and puts no agent over capacity', async () => {
    const urls = [t.url, other.url];
    const queueId = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Race', channels: ['APP'] } }))).createQueue.id;
    const agents: { id: string; max: number }[] = [];
    for (let i = 0; i < 16; i++) {
      const max = 1 + (i % 3);
      agents.push({
        id: (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: `Racer ${i}`, skills: [], maxConcurrent: max, queueIds: [queueId] } }))).createAgent
          .id,
        max,
      });
    }
    const capacity = agents.reduce((sum, a) => sum + a.max, 0);
    const ws = wsClient(t.wsUrl, t.adminKey);
    const events = await t.subscribe('QUEUE_UPDATED', () => collect(ws, op.QueueUpdated({ queueId })));

    const open = (i: number) =>
      data(
        urls[i % 2],
        t.adminKey,
        op.OpenConversation({ input: { identifiers: [{ type: 'DEVICE_ID', value: `racer-${i}` }], channel: 'APP', body: `n${i}` } }),
      ).then((r) => r.openConversation.id as string);
    // half the line waits before anyone is online; the rest races with agents coming online in both processes
    const early = await Promise.all(Array.from({ length: 30 }, (_, i) => open(i)));
    const [late] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, (_, i) => open(30 + i))),
      Promise.all(agents.map((a, i) => data(urls[i % 2], t.adminKey, op.SetAgentStatus({ agentId: a.id, status: 'ONLINE' })))),
    ]);
    expect(new Set([...early, ...late]).size).toBe(60);

    const rows = await t.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string; max_concurrent: number; active_count: number; holding: number }[]>(
        `select a.id, a.max_concurrent, a.active_count, (select count(*)::int from conversation c where c.assignee_id = a.id and c.status = 'ASSIGNED') holding from agent a where a.workspace_id = ?`,
        [t.workspaceId],
      );
    for (const row of rows) {
      expect(row.holding).toBeLessThanOrEqual(row.max_concurrent);
      expect(row.active_count).toBe(row.holding);
    }
    const assigned = rows.reduce((sum, row) => sum + row.holding, 0);
    expect(assigned).toBe(capacity);

    await events.waitFor(60 + capacity + agents.length, 15_000);
    // a marker from the other process, whose NOTIFYs arrive in order: every event before it has come
    const marker = await open(61);
    const at = events.events.indexOf(await events.until((e) => e.data?.queueUpdated.conversation?.id === marker));
    expect(at).toBe(60 + capacity + agents.length);
    const assignments = events.events
      .slice(0, at)
      .filter((e) => e.data?.queueUpdated.change === 'ASSIGNED')
      .map((e) => e.data?.queueUpdated.conversation.id);
    expect(assignments).toHaveLength(capacity);
    expect(new Set(assignments).size).toBe(capacity);
    await ws.dispose();
  });
});
