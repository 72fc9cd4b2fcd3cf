import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('dashboard.graphql'), ...operations('conversation.graphql') };
const clock = new TestClock('2026-06-10T03:00:00Z');
const range = { from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z' };
let t: TestServer;
let n = 0;

const track = (email: string, event: string, at: string, revenue?: number, category?: string, key = t.adminKey) =>
  t.ingest(
    [
      {
        messageId: `bm-${++n}`,
        kind: 'TRACK',
        event,
        revenue,
        properties: category ? { category } : {},
        identifiers: [{ type: 'EMAIL', value: email }],
        occurredAt: at,
      },
    ],
    key,
  );

beforeAll(async () => {
  t = await startTestServer({ clock });
  // A: bought shoes before the range, then bags (a category new to them) and shoes again in it
  await track('a@bm.test', 'order_completed', '2026-05-10T00:00:00Z', 50, 'shoes');
  await track('a@bm.test', 'order_completed', '2026-06-05T00:00:00Z', 100, 'bags');
  await track('a@bm.test', 'order_completed', '2026-06-25T00:00:00Z', 30, 'shoes');
  // B: one first purchase early in the range
  await track('b@bm.test', 'order_completed', '2026-06-03T00:00:00Z', 200, 'shoes');
  // C and D open conversations on 10 June; C buys four days later and comes back on the 20th, D does neither
  for (const email of ['c@bm.test', 'd@bm.test'])
    await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WEB_CHAT', body: '请问有货吗' } }));
  await track('c@bm.test', 'order_completed', '2026-06-14T00:00:00Z', 10);
  await track('c@bm.test', 'page_viewed', '2026-06-20T00:00:00Z');
});
afterAll(() => t.stop());

describe('businessMetrics', () => {
  it('matches the figures computed by hand', async () => {
    const figures = (await data(t.url, await t.addKey(Role.ANALYST), op.BusinessMetrics({ range }))).businessMetrics;
    expect(figures).toEqual({
      activeCustomers: 4, // A, B, C, D (opening a conversation is an event)
      newCustomers: 3, // B, C, D: A was first seen in May
      revenue: 340, // 100 + 30 + 200 + 10
      retentionRate: 0.5, // of A, B, C, D active in the first half, A and C again in the second
      repeatPurchaseRate: 0.3333, // of A, B, C who bought, A twice
      enquiryConversionRate: 0.5, // of C's and D's conversations, C bought within 7 days
      crossSellRate: 0.5, // of A's two orders with a category (B's was a first purchase), bags was new
    });
  });

  it('keeps to its workspace and its roles, and refuses a reversed range', async () => {
    const other = await t.addWorkspace('Business elsewhere');
    expect((await data(t.url, other.adminKey, op.BusinessMetrics({ range }))).businessMetrics).toMatchObject({
      activeCustomers: 0,
      revenue: 0,
      retentionRate: null,
    });
    expect(codes(await post(t.url, await t.addKey(Role.AGENT), op.BusinessMetrics({ range })))).toEqual(['FORBIDDEN']);
    expect(codes(await post(t.url, t.adminKey, op.BusinessMetrics({ range: { from: range.to, to: range.from } })))).toEqual(['BAD_USER_INPUT']);
  });
});
