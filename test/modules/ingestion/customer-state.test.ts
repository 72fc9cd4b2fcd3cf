import 'reflect-metadata';
import { Channel, IdentityType, IngestKind, LifecycleStage, ValueTier } from '../../../src/graphql/enums';
import type { Copy, Statement } from '../../../src/db/pipeline';
import { displayNameOf, foldAbsorbed, foldBatch, foldItem, stateOf } from '../../../src/modules/ingestion/customer-state.rules';
import { customerStateSteps } from '../../../src/modules/ingestion/ingestion.sql';
import type { CustomerRow, FoldRules, LinkResult, ValidItem } from '../../../src/modules/ingestion/ingestion.types';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings.types';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const rules: FoldRules = { stages: DEFAULT_SETTINGS, spendSince: day(0) };

const item = (index: number, at: number, overrides: Partial<ValidItem> = {}): ValidItem => ({
  index,
  messageId: `m-${index}`,
  kind: IngestKind.TRACK,
  identifiers: [{ type: IdentityType.EMAIL, value: `c${index}@x.cn` }],
  traits: {},
  event: 'page_viewed',
  properties: {},
  revenue: null,
  channel: null,
  occurredAt: day(at),
  occurredAtText: day(at).toISOString(),
  source: null,
  ...overrides,
});

const row = (id: string, overrides: Partial<CustomerRow> = {}): CustomerRow => ({
  id,
  merged_into_id: null,
  display_name: null,
  traits: {},
  trait_times: {},
  tags: [],
  total_spend: '0',
  order_count: 0,
  first_seen_at: day(10).toISOString(),
  last_seen_at: day(10).toISOString(),
  last_purchase_at: null,
  erased_at: null,
  created_at: day(10).toISOString(),
  lifecycle_stage: LifecycleStage.PROSPECT,
  value_tier: ValueTier.BASIC,
  first_purchase_at: null,
  last_inbound_at: null,
  complaint_at: null,
  reactivated_at: null,
  annual_spend: '0',
  last_contact_at: null,
  last_dedicated_contact_at: null,
  ...overrides,
});

describe('customer state fold', () => {
  it('counts a purchase (an order_completed event with revenue) in spend, orders and the window, and nothing else', () => {
    const state = stateOf(null, 'new');
    foldItem(state, item(0, 5, { event: 'order_completed', revenue: 100 }), rules);
    foldItem(state, item(1, -5, { event: 'order_completed_web', revenue: 50 }), rules);
    foldItem(state, item(2, 7, { event: 'order_completed', revenue: null }), rules);
    foldItem(state, item(3, 8, { event: 'order_refunded', revenue: 30 }), rules);
    expect(state).toMatchObject({ totalSpend: 150, orderCount: 2, annualSpend: 100, firstPurchaseAt: day(-5), lastPurchaseAt: day(5) });
    expect(state).toMatchObject({ firstSeenAt: day(-5), lastSeenAt: day(8) });
  });

  it('keeps the latest observation of each trait, whatever the order items arrive in', () => {
    const state = stateOf(null, 'new');
    foldItem(state, item(0, 5, { traits: { city: 'Shanghai', name: 'Li' } }), rules);
    foldItem(state, item(1, 3, { traits: { city: 'Beijing', age: 30 } }), rules);
    expect(state.traits).toEqual({ city: 'Shanghai', name: 'Li', age: 30 });
    expect(state.traitTimes.city).toBe(day(5).toISOString());
  });

  it('counts an event on a channel as inbound contact, and marks a purchase after a lapse as a reactivation', () => {
    const state = stateOf(row('c1', { first_purchase_at: day(0).toISOString(), last_purchase_at: day(0).toISOString(), total_spend: '10', order_count: 1 }));
    foldItem(state, item(0, 100, { channel: Channel.WEB_CHAT }), rules);
    expect(state.lastInboundAt).toEqual(day(100));
    expect(state.reactivatedAt).toBeNull(); // a contact is no purchase: it brings no one back
    foldItem(state, item(1, 300, { event: 'order_completed', revenue: 20 }), rules);
    expect(state.reactivatedAt).toEqual(day(300));
    foldItem(state, item(2, 301, { event: 'order_completed', revenue: 20 }), rules);
    expect(state.reactivatedAt).toEqual(day(300));
  });

  it('folds an absorbed customer into its survivor: traits by recency, tags, spend, the earliest first and latest last dates', () => {
    const survivor = stateOf(
      row('s', { traits: { city: 'Shanghai' }, trait_times: { city: day(1).toISOString() }, tags: ['vip'], total_spend: '10', order_count: 1 }),
    );
    const absorbed = stateOf(
      row('a', {
        display_name: 'Wang',
        traits: { city: 'Beijing', age: 40 },
        trait_times: { city: day(2).toISOString(), age: day(0).toISOString() },
        tags: ['vip', 'b2b'],
        total_spend: '5',
        order_count: 2,
        first_seen_at: day(-3).toISOString(),
        last_purchase_at: day(4).toISOString(),
      }),
    );
    foldAbsorbed(survivor, absorbed);
    expect(survivor).toMatchObject({ traits: { city: 'Beijing', age: 40 }, tags: ['vip', 'b2b'], totalSpend: 15, orderCount: 3, firstSeenAt: day(-3) });
    expect(survivor).toMatchObject({ lastPurchaseAt: day(4), displayName: 'Wang' });
  });

  it('names a customer by name, else first and last name, else its old name, else its first e-mail or phone', () => {
    const state = stateOf(null, 'new');
    foldItem(state, item(0, 1, { identifiers: [{ type: IdentityType.PHONE, value: '+8613800138000' }] }), rules);
    expect(displayNameOf(state)).toBe('+8613800138000');
    state.traits = { firstName: 'Wei', lastName: 'Li' };
    expect(displayNameOf(state)).toBe('Wei Li');
    state.traits.name = '  Li Wei ';
    expect(displayNameOf(state)).toBe('Li Wei');
  });

  it('folds a batch: recounted window spend, absorbed customers into survivors and out, unlinked identifiers naming no one', () => {
    const link: LinkResult = {
      customerOf: new Map([
        [0, 's'],
        [1, 'new-1'],
      ]),
      created: ['new-1'],
      absorbed: [{ absorbedId: 'a', survivorId: 's', reason: 'EMAIL:c0@x.cn', types: [IdentityType.EMAIL] }],
      newIdentities: new Map(),
      unlinked: [{ index: 1, identifier: { type: IdentityType.EMAIL, value: 'c1@x.cn' }, reason: 'rule' }],
    };
    const rows = [row('s', { annual_spend: '500' }), row('a', { total_spend: '7', order_count: 1 })];
    const states = foldBatch(rows, new Map([['s', '80']]), link, [item(0, 20, { event: 'order_completed', revenue: 20 }), item(1, 21)], rules);
    expect([...states.keys()]).toEqual(['s', 'new-1']);
    expect(states.get('s')).toMatchObject({ annualSpend: 100, totalSpend: 27, orderCount: 2 });
    expect(states.get('new-1')).toMatchObject({ contact: null, firstSeenAt: day(21), lastSeenAt: day(21), stage: null });
  });

  it('writes created customers in one COPY and existing ones in one update, a new one seen at the batch time when it has no items', () => {
    const created = stateOf(null, 'new-1');
    const existing = stateOf(row('c1'));
    const [copy, update] = customerStateSteps(
      'ws',
      new Map([
        ['new-1', created],
        ['c1', existing],
      ]),
      new Set(['new-1']),
      DEFAULT_SETTINGS.contactCadences,
      day(50),
    ) as [Copy, Statement];
    expect(copy.table).toBe('customer');
    expect(copy.rows).toHaveLength(1);
    const written = Object.fromEntries(copy.columns.map((column, i) => [column, copy.rows[0][i]]));
    // a BASIC customer never contacted is due an online touch 30 days after joining
    expect(written).toMatchObject({
      id: 'new-1',
      workspace_id: 'ws',
      first_seen_at: day(50),
      last_seen_at: day(50),
      lifecycle_stage: LifecycleStage.PROSPECT,
      next_contact_due_at: day(80),
    });
    expect(JSON.parse(update.params[1] as string)).toEqual([expect.objectContaining({ id: 'c1', first_seen_at: day(10).toISOString() })]);
    expect(customerStateSteps('ws', new Map([['new-1', created]]), new Set(['new-1']), DEFAULT_SETTINGS.contactCadences, day(50))).toHaveLength(1);
  });
});
