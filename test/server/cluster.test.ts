import { startChildServer, type ChildServer } from '../support/child-server';
import { collect, data, wsClient, type Collected } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('workspace.graphql') };
let t: TestServer;
let cluster: ChildServer;
const clients: ReturnType<typeof wsClient>[] = [];

const pidOf = (line: string): number => Number(/"pid":(\d+)/.exec(line)![1]);
/** A worker's "serving" line, of a pid none of `known`. */
const servingOther = (known: number[]) => new RegExp(`"pid":(?!(?:${known.join('|') || '0'}),)\\d+,.*"msg":"serving http`);

beforeAll(async () => {
  t = await startTestServer();
  cluster = await startChildServer(t.databaseUrl, { CDP_WORKERS: '2', CDP_JOBS: 'false' });
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await cluster?.stop();
  await t?.stop();
});

/** Subscribes to the queue through the cluster; resolves with the subscription and the pid of the worker it registered on. */
async function subscribeOnSomeWorker(queueId: string): Promise<{ sub: Collected; pid: number }> {
  const from = cluster.output.length;
  const client = wsClient(cluster.wsUrl, t.adminKey);
  clients.push(client);
  const sub = collect(client, op.QueueUpdated({ queueId }));
  const registered = await cluster.waitForLine(/"topic":"QUEUE_UPDATED".*"msg":"subscriber registered"/, 10_000, from);
  return { sub, pid: pidOf(registered) };
}

describe('npm start with CDP_WORKERS=2', () => {
  let workers: number[];

  it('serves from two worker processes, and a subscription on one hears what a request to the other changed', async () => {
    const first = pidOf(await cluster.waitForLine(/"msg":"serving http/));
    const second = pidOf(await cluster.waitForLine(servingOther([first])));
    workers = [first, second];
    const queueId = (await data(cluster.url, t.adminKey, op.CreateQueue({ input: { name: 'Clustered', channels: ['WEB_CHAT'] } }))).createQueue.id;

    // the cluster hands connections to its workers in turn: two subscribers land on both
    const subscribed = [await subscribeOnSomeWorker(queueId)];
    while (subscribed.length < 6 && new Set(subscribed.map((s) => s.pid)).size < 2) subscribed.push(await subscribeOnSomeWorker(queueId));
    expect(new Set(subscribed.map((s) => s.pid))).toEqual(new Set(workers));

    const opened = (
      await data(
        cluster.url,
        t.adminKey,
        op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: 'clustered@example.com' }], channel: 'WEB_CHAT', body: 'hi', queueId } }),
      )
    ).openConversation;
    // one worker served the mutation; the subscribers of both hear it
    for (const { sub } of subscribed) {
      await sub.waitFor(1);
      expect(sub.events[0].data?.queueUpdated).toMatchObject({ change: 'ENQUEUED', conversation: { id: opened.id } });
    }
  });

  it('replaces a worker that dies', async () => {
    const from = cluster.output.length;
    process.kill(workers[0], 'SIGKILL');
    await cluster.waitForLine(/"msg":"a worker exited unexpectedly: starting another"/, 10_000, from);
    const replacement = pidOf(await cluster.waitForLine(servingOther(workers), 30_000, from));
    workers.push(replacement);
    expect((await data(cluster.url, t.adminKey, op.Workspace())).workspace.name).toBe('Workspace A');
  });

  it('stops every worker, then itself, on SIGTERM', async () => {
    expect(await cluster.stop()).toBe(0);
    const alive = workers.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(cluster.output.some((line) => /"msg":"stopped"/.test(line))).toBe(true);
  });
});
