import { Role } from '../../../src/graphql/enums';
import { dashboardHub } from '../../../src/modules/metrics/dashboard.service';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('dashboard.graphql'), ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('feedback.graphql') };
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
  await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'phones', channels: ['PHONE'] } }));
});
afterAll(() => t.stop());

const open = (key = t.adminKey) =>
  data(
    t.url,
    key,
    op.OpenConversation({ input: { identifiers: [{ type: 'PHONE', value: `+8613900${String(++n).padStart(6, '0')}` }], channel: 'PHONE', body: 'hello' } }),
  );

describe('the dashboard', () => {
  it('shows the queues with stats, today’s figures and the feedback ledger', async () => {
    const before = (await data(t.url, t.adminKey, op.Dashboard())).dashboard;
    const { openConversation } = await open();
    await data(
      t.url,
      t.adminKey,
      op.OpenFeedback({ input: { customerId: openConversation.customer.id, category: 'QUESTION', severity: 'GENERAL', summary: 'where is it' } }),
    );
    const after = (await data(t.url, t.adminKey, op.Dashboard())).dashboard;
    expect(after.queues.map((q: any) => [q.name, q.stats.waiting - (before.queues[0]?.stats.waiting ?? 0)])).toEqual([['phones', 1]]);
    expect(after.today.conversations).toBe(before.today.conversations + 1);
    expect(after.openFeedback).toBe(before.openFeedback + 1);
    expect(after.overdueFeedback).toBe(0);
    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.Dashboard()))).toEqual(['FORBIDDEN']);
  });

  it('pushes to each subscriber of the workspace after a change, from one shared computation, and nothing to another workspace', async () => {
    const other = await t.addWorkspace('Other floor');
    const clients = [wsClient(t.wsUrl, await t.addKey(Role.AGENT)), wsClient(t.wsUrl, await t.addKey(Role.ANALYST)), wsClient(t.wsUrl, other.adminKey)];
    const [first, second, foreign] = clients.map((client) => collect(client, op.LiveDashboard({ everySeconds: 1 })));
    try {
      await Promise.all([first.waitFor(1), second.waitFor(1), foreign.waitFor(1)]);
      const conversations = first.events[0].data!.dashboard.today.conversations;
      const computations = dashboardHub.computations;
      await open();
      await Promise.all([first.waitFor(2), second.waitFor(2)]);
      expect(first.events[1].data!.dashboard.today.conversations).toBe(conversations + 1);
      expect(second.events[1].data!.dashboard.today.conversations).toBe(conversations + 1);
      expect(dashboardHub.computations - computations).toBe(1);
      // a change of the other workspace, after those pushes: its own push is the next it gets, none came before
      const theirs = foreign.events[0].data!.dashboard.today.conversations;
      await open(other.adminKey);
      await foreign.until((e) => e.data?.dashboard.today.conversations === theirs + 1);
      expect(foreign.events).toHaveLength(2);
    } finally {
      for (const subscription of [first, second, foreign]) subscription.dispose();
      for (const client of clients) await client.dispose();
    }
  });

  it('folds a burst of changes into pushes no more often than everySeconds', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const live = collect(client, op.LiveDashboard({ everySeconds: 2 }));
    try {
      await live.waitFor(1);
      const started = Date.now();
      for (let i = 0; i < 5; i++) await open();
      const before = live.events[0].data!.dashboard.today.conversations;
      await live.until((e) => e.data?.dashboard.today.conversations === before + 5, 10_000);
      const pushes = live.events.length - 1;
      expect(pushes).toBeGreaterThanOrEqual(1);
      expect(pushes).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 2000));
      const refused = await new Promise<any>((resolve) => {
        const operation = op.LiveDashboard({ everySeconds: 0 });
        client.subscribe(
          { query: operation.query, variables: operation.variables },
          { next: resolve, error: (errors) => resolve({ errors }), complete: () => {} },
        );
      });
      expect(refused.errors.map((error: any) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    } finally {
      live.dispose();
      await client.dispose();
    }
  });
});
