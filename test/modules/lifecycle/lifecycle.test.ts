import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { collect, data, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('lifecycle.graphql'), ...operations('ingest.graphql') };
const clock = new TestClock('2026-01-01T00:00:00Z');
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.stop());

const track = (email: string, event: string, extra: Record<string, unknown> = {}, key = t.adminKey) =>
  data(
    t.url,
    key,
    op.Ingest({
      events: [
        { messageId: `lc-${++n}`, kind: 'TRACK', event, identifiers: [{ type: 'EMAIL', value: email }], occurredAt: clock.now().toISOString(), ...extra },
      ],
    }),
  );
const buy = (email: string, revenue: number, key = t.adminKey) => track(email, 'order_completed', { revenue }, key);
const idOf = async (email: string, key = t.adminKey) =>
  (await data(t.url, key, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id as string;
const lifecycle = async (id: string) => (await data(t.url, t.adminKey, op.CustomerStage({ id }))).customer;
const age = () => t.server.jobs.runNow('lifecycle_ageing');

describe('lifecycle stages', () => {
  it('goes PROSPECT, NEW, ACTIVE, AT_RISK, CHURNED, REACTIVATED, each kept with its reason', async () => {
    clock.set('2026-01-01T00:00:00Z');
    const email = 'journey@l.test';
    const id = await idOf(email);
    expect((await lifecycle(id)).lifecycleStage).toBe('PROSPECT');

    await buy(email, 100);
    expect((await lifecycle(id)).lifecycleStage).toBe('NEW');

    clock.advanceDays(50);
    await track(email, 'chat_started', { channel: 'WEB_CHAT' }); // an inbound contact keeps the customer active
    clock.advanceDays(41);
    await age();
    expect((await lifecycle(id)).lifecycleStage).toBe('ACTIVE');

    clock.advanceDays(20); // 61 days after the chat
    await age();
    expect((await lifecycle(id)).lifecycleStage).toBe('AT_RISK');

    clock.advanceDays(120); // 181 days after the chat
    await age();
    expect((await lifecycle(id)).lifecycleStage).toBe('CHURNED');
    await age();

    clock.advanceDays(9);
    await buy(email, 100);
    const final = await lifecycle(id);
    expect(final.lifecycleStage).toBe('REACTIVATED');
    expect(final.lifecycleHistory.map((h: any) => [h.from, h.to, h.reason])).toEqual([
      [null, 'PROSPECT', 'no purchase yet'],
      ['PROSPECT', 'NEW', 'first purchase'],
      ['NEW', 'ACTIVE', 'new customer period ended'],
      ['ACTIVE', 'AT_RISK', 'no purchase or inbound contact for 60 days'],
      ['AT_RISK', 'CHURNED', 'no purchase or inbound contact for 180 days'],
      ['CHURNED', 'REACTIVATED', 'bought again after being at risk or churned'],
    ]);
    expect(final.lifecycleHistory.at(-1).at).toBe(clock.now().toISOString());
  });

  it('reactivates an AT_RISK customer who buys, and goes NEW straight to AT_RISK without contact', async () => {
    clock.set('2026-01-01T00:00:00Z');
    const email = 'lapsed@l.test';
    await buy(email, 100);
    const id = await idOf(email);
    clock.advanceDays(91);
    await age();
    expect((await lifecycle(id)).lifecycleStage).toBe('AT_RISK');
    clock.advanceDays(1);
    await track(email, 'order_completed', { revenue: 10, channel: 'IN_PERSON' }); // a purchase in a shop is also contact
    expect((await lifecycle(id)).lifecycleStage).toBe('REACTIVATED');
  });

  it('gives a stage to customers who bought before stages existed', async () => {
    clock.set('2026-01-01T00:00:00Z');
    await buy('legacy@l.test', 100);
    const id = await idOf('legacy@l.test');
    // what the migration leaves for an old buyer: a first purchase, no stage of its own yet
    await t.sql(`update customer set lifecycle_stage = 'PROSPECT', annual_spend = 0 where id = ?`, [id]);
    clock.advanceDays(10);
    await age();
    expect((await lifecycle(id)).lifecycleStage).toBe('NEW');
  });

  it('sets the value tier from spend in the last 365 days, and lowers it as orders age out', async () => {
    clock.set('2026-01-01T00:00:00Z');
    const email = 'spender@l.test';
    await buy(email, 15_000);
    const id = await idOf(email);
    expect((await lifecycle(id)).valueTier).toBe('MEDIUM');
    clock.advanceDays(100);
    await buy(email, 90_000);
    expect((await lifecycle(id)).valueTier).toBe('HIGH');
    clock.advanceDays(266); // the first order is now 366 days old
    await age();
    expect((await lifecycle(id)).valueTier).toBe('MEDIUM');
    clock.advanceDays(100);
    await age();
    expect((await lifecycle(id)).valueTier).toBe('BASIC');
  });

  it('publishes each change on customerLifecycle to its own workspace only', async () => {
    clock.set('2026-03-01T00:00:00Z');
    const other = await t.addWorkspace('Other lifecycle');
    const mine = wsClient(t.wsUrl, await t.addKey(Role.MARKETER));
    const theirs = wsClient(t.wsUrl, other.adminKey);
    const events = await t.subscribe('LIFECYCLE_CHANGED', () => collect(mine, op.LifecycleChanges()));
    const foreign = await t.subscribe('LIFECYCLE_CHANGED', () => collect(theirs, op.LifecycleChanges()));
    const changes = (sub: typeof events) =>
      sub.events.map((e) => [e.data!.customerLifecycle.customer.id, e.data!.customerLifecycle.transition.from, e.data!.customerLifecycle.transition.to]);
    try {
      // a new customer whose first item is a purchase goes straight from nothing to NEW: one change
      await buy('live@l.test', 100);
      const id = await idOf('live@l.test');
      await events.waitFor(1);
      expect(changes(events)).toEqual([[id, null, 'NEW']]);
      // the other workspace's own change comes after mine: had mine reached it, it would be there first
      await buy('theirs@l.test', 100, other.adminKey);
      const theirId = await idOf('theirs@l.test', other.adminKey);
      await foreign.waitFor(1);
      expect(changes(foreign)).toEqual([[theirId, null, 'NEW']]);
      // and a marker of mine, after theirs: nothing of theirs before it
      await buy('marker@l.test', 100);
      const markerId = await idOf('marker@l.test');
      await events.waitFor(2);
      expect(changes(events)).toEqual([
        [id, null, 'NEW'],
        [markerId, null, 'NEW'],
      ]);
    } finally {
      events.dispose();
      foreign.dispose();
      await mine.dispose();
      await theirs.dispose();
    }
  });
});

describe('a settings change', () => {
  it('re-evaluates every customer of the workspace in a queued job, moving them between tiers', async () => {
    const s = await startTestServer({ jobs: true });
    try {
      const buyers = ['a@tier.test', 'b@tier.test', 'c@tier.test'];
      const spend = [500, 5_000, 50_000];
      await data(
        s.url,
        s.adminKey,
        op.Ingest({
          events: buyers.map((email, i) => ({
            messageId: `tier-${i}`,
            kind: 'TRACK',
            event: 'order_completed',
            revenue: spend[i],
            identifiers: [{ type: 'EMAIL', value: email }],
          })),
        }),
      );
      const tiers = async () => {
        const ids = await Promise.all(
          buyers.map(async (email) => (await data(s.url, s.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: email }] }))).identify.id),
        );
        return Promise.all(ids.map(async (id) => (await data(s.url, s.adminKey, op.CustomerStage({ id }))).customer.valueTier));
      };
      expect(await tiers()).toEqual(['BASIC', 'BASIC', 'MEDIUM']);
      const reevaluated = s.server.jobs.nextRun('lifecycle_reevaluate');
      await data(s.url, s.adminKey, {
        query: 'mutation { updateWorkspaceSettings(input: { highValueAnnualSpend: 20000, mediumValueAnnualSpend: 1000 }) { id } }',
      });
      await reevaluated;
      expect(await tiers()).toEqual(['BASIC', 'MEDIUM', 'HIGH']);
    } finally {
      await s.stop();
    }
  });
});
