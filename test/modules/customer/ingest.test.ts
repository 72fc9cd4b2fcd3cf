import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = operations('ingest.graphql');
let t: TestServer;
let n = 0;
const id = () => `m-${++n}-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const customerOf = async (type: string, value: string) =>
  (await t.sql(`select customer_id from identity where type = ? and value = ?`, [type, value]))[0]?.customer_id;

describe('ingest', () => {
  it('creates one customer per person, normalises identifiers and applies traits and orders', async () => {
    const result = await t.ingest([
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [{ type: 'EMAIL', value: '  Li.Wei@Example.COM ' }],
        traits: { firstName: 'Wei', lastName: 'Li', city: 'Shanghai' },
        occurredAt: '2026-01-01T00:00:00Z',
      },
      {
        messageId: id(),
        kind: 'TRACK',
        event: 'order_completed',
        revenue: 1200.5,
        identifiers: [{ type: 'EMAIL', value: 'li.wei@example.com' }],
        occurredAt: '2026-02-01T00:00:00Z',
      },
      { messageId: id(), kind: 'TRACK', event: 'page_viewed', identifiers: [{ type: 'PHONE', value: '138 0013 8000' }], properties: { path: '/' } },
    ]);
    expect(result).toMatchObject({ accepted: 3, duplicates: 0, customersCreated: 2, merges: 0, errors: [] });
    const customer = (await t.sql(`select * from customer where id = ?`, [await customerOf('EMAIL', 'li.wei@example.com')]))[0];
    expect(customer).toMatchObject({ display_name: 'Wei Li', order_count: 1, traits: { city: 'Shanghai', firstName: 'Wei' } });
    expect(Number(customer.total_spend)).toBe(1200.5);
    expect(new Date(customer.last_purchase_at).toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(await customerOf('PHONE', '+8613800138000')).toBeDefined();
  });

  it('stores text with tabs, newlines, backslashes, quotes and non-Latin script exactly as sent', async () => {
    const awkward = 'tab\there\nnew line\r\\back\\slash "quoted" \\N 王小明 😀';
    const messageId = `${id()}\t\\x`;
    const result = await t.ingest([
      {
        messageId,
        kind: 'TRACK',
        event: 'note\tadded',
        identifiers: [{ type: 'EXTERNAL_ID', value: `ext\\${awkward}` }],
        traits: { name: awkward, nested: { list: [awkward, null, 1.5], flag: true } },
        properties: { text: awkward },
        source: awkward,
      },
    ]);
    expect(result).toMatchObject({ accepted: 1, errors: [] });
    const customerId = await customerOf('EXTERNAL_ID', `ext\\${awkward}`);
    const [customer] = await t.sql(`select display_name, traits, tags from customer where id = ?`, [customerId]);
    expect(customer).toEqual({ display_name: awkward, traits: { name: awkward, nested: { list: [awkward, null, 1.5], flag: true } }, tags: [] });
    const [event] = await t.sql(`select message_id, type, properties from event where customer_id = ?`, [customerId]);
    expect(event).toEqual({ message_id: messageId, type: 'note\tadded', properties: { text: awkward } });
    const [identity] = await t.sql(`select source from identity where customer_id = ?`, [customerId]);
    expect(identity.source).toBe(awkward);
  });

  it('keeps the latest observation of each trait, whatever the arrival order', async () => {
    const email = { type: 'EMAIL', value: 'order@example.com' };
    await t.ingest([
      { messageId: id(), kind: 'IDENTIFY', identifiers: [email], traits: { plan: 'gold', name: 'New Name' }, occurredAt: '2026-03-01T00:00:00Z' },
      { messageId: id(), kind: 'IDENTIFY', identifiers: [email], traits: { plan: 'silver', name: 'Old Name', age: 30 }, occurredAt: '2026-01-01T00:00:00Z' },
    ]);
    const [row] = await t.sql(`select traits, display_name from customer where id = ?`, [await customerOf('EMAIL', 'order@example.com')]);
    expect(row).toEqual({ traits: { plan: 'gold', name: 'New Name', age: 30 }, display_name: 'New Name' });
  });

  it('merges through a phone written three different ways, the oldest surviving', async () => {
    await t.ingest([
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'a@merge.test' },
          { type: 'PHONE', value: '+86 139-0000-1111' },
        ],
      },
    ]);
    await t.ingest([{ messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'MEMBER_ID', value: 'M-1' }] }]);
    const oldest = await customerOf('EMAIL', 'a@merge.test');
    const result = await t.ingest([
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'MEMBER_ID', value: 'M-1' },
          { type: 'PHONE', value: '13900001111' },
        ],
      },
    ]);
    expect(result).toMatchObject({ merges: 1, customersCreated: 0 });
    expect(await customerOf('MEMBER_ID', 'M-1')).toBe(oldest);
    const [merge] = await t.sql(`select * from customer_merge where survivor_id = ?`, [oldest]);
    expect(merge.reason).toContain('PHONE:+8613900001111');
    const [tomb] = await t.sql(`select merged_into_id from customer where id = ?`, [merge.absorbed_id]);
    expect(tomb.merged_into_id).toBe(oldest);
  });

  it('follows merge chains: A+B, then B+C, leave one live customer with everything', async () => {
    await t.ingest([{ messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'chain-a@x.test' }] }]);
    await t.ingest([{ messageId: id(), kind: 'TRACK', event: 'order_completed', revenue: 10, identifiers: [{ type: 'EMAIL', value: 'chain-b@x.test' }] }]);
    await t.ingest([{ messageId: id(), kind: 'TRACK', event: 'order_completed', revenue: 5, identifiers: [{ type: 'EMAIL', value: 'chain-c@x.test' }] }]);
    await t.ingest([
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'chain-a@x.test' },
          { type: 'EMAIL', value: 'chain-b@x.test' },
        ],
      },
    ]);
    await t.ingest([
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'chain-b@x.test' },
          { type: 'EMAIL', value: 'chain-c@x.test' },
        ],
      },
    ]);
    const owners = new Set([
      await customerOf('EMAIL', 'chain-a@x.test'),
      await customerOf('EMAIL', 'chain-b@x.test'),
      await customerOf('EMAIL', 'chain-c@x.test'),
    ]);
    expect(owners.size).toBe(1);
    const [survivor] = await t.sql(`select * from customer where id = ?`, [[...owners][0]]);
    expect(survivor).toMatchObject({ merged_into_id: null, order_count: 2 });
    expect(Number(survivor.total_spend)).toBe(15);
    const tombstones = await t.sql(
      `select merged_into_id from customer where merged_into_id is not null and id in (select absorbed_id from customer_merge where survivor_id = ?)`,
      [survivor.id],
    );
    expect(tombstones).toHaveLength(2);
    expect(tombstones.every((row: { merged_into_id: string }) => row.merged_into_id === survivor.id)).toBe(true);
  });

  it('acknowledges a resent batch as duplicates and changes nothing; the same messageId in another workspace is another event', async () => {
    const batch = [1, 2, 3].map((i) => ({
      messageId: `resend-${i}`,
      kind: 'TRACK',
      event: 'order_completed',
      revenue: 100,
      identifiers: [{ type: 'EMAIL', value: 'resend@x.test' }],
    }));
    expect(await t.ingest(batch)).toMatchObject({ accepted: 3, duplicates: 0 });
    const stamps = () => t.sql(`select i.last_seen_at, c.updated_at from identity i join customer c on c.id = i.customer_id where i.value = 'resend@x.test'`);
    const before = await stamps();
    expect(await t.ingest(batch)).toMatchObject({ accepted: 0, duplicates: 3, customersCreated: 0 });
    expect(await stamps()).toEqual(before);
    const mixed = [batch[0], { messageId: 'resend-new', kind: 'TRACK', event: 'page_viewed', identifiers: [{ type: 'EMAIL', value: 'other@x.test' }] }];
    expect(await t.ingest(mixed)).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await stamps()).toEqual(before);
    const [row] = await t.sql(`select total_spend, order_count from customer where id = ?`, [await customerOf('EMAIL', 'resend@x.test')]);
    expect({ spend: Number(row.total_spend), orders: row.order_count }).toEqual({ spend: 300, orders: 3 });
    const b = await t.addWorkspace('B');
    expect(await t.ingest(batch, b.adminKey)).toMatchObject({ accepted: 3, duplicates: 0, customersCreated: 1 });
    expect(await t.ingest([batch[0], batch[0]], b.adminKey)).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('reports bad items by index and code and applies the others', async () => {
    const result = await t.ingest([
      { messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'PHONE', value: 'call me maybe' }] },
      { messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'fine@x.test' }] },
      { messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'x@y.test' }], traits: 'not an object' },
      { messageId: id(), kind: 'TRACK', identifiers: [{ type: 'EMAIL', value: 'x@y.test' }] },
      {
        messageId: id(),
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'null' },
          { type: 'PHONE', value: '00000000000' },
        ],
      },
    ]);
    expect(result.accepted).toBe(1);
    expect(result.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [0, 'INVALID_IDENTIFIER'],
      [2, 'INVALID_TRAITS'],
      [3, 'MISSING_EVENT'],
      [4, 'NO_IDENTIFIERS'],
    ]);
  });

  it('refuses a batch of 1,001 items with BAD_USER_INPUT and writes nothing', async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({
      messageId: `big-${i}`,
      kind: 'IDENTIFY',
      identifiers: [{ type: 'EMAIL', value: `big${i}@x.test` }],
    }));
    const response = await post(t.url, t.adminKey, op.Ingest({ events }));
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await t.sql(`select count(*)::int n from event where message_id like 'big-%'`)).toEqual([{ n: 0 }]);
  });

  it('costs the same number of statements for 10 items as for 1,000', async () => {
    const batch = (size: number, tag: string) =>
      Array.from({ length: size }, (_, i) => ({
        messageId: `${tag}-${i}`,
        kind: 'TRACK',
        event: 'page_viewed',
        identifiers: [
          { type: 'EMAIL', value: `${tag}${i % (size / 2)}@bulk.test` },
          { type: 'DEVICE_ID', value: `${tag}-d${i}` },
        ],
      }));
    const small = await post(t.url, t.adminKey, op.Ingest({ events: batch(10, 's') }));
    const large = await post(t.url, t.adminKey, op.Ingest({ events: batch(1000, 'l') }));
    expect(large.body.data.ingest).toMatchObject({ accepted: 1000, customersCreated: 500 });
    expect(sqlStatements(large)).toBe(sqlStatements(small));
    expect(sqlStatements(large)).toBeLessThanOrEqual(20);
  });

  it('lets INGEST keys ingest and refuses MARKETER keys', async () => {
    const ingestKey = await t.addKey(Role.INGEST);
    expect(await t.ingest([{ messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'ik@x.test' }] }], ingestKey)).toMatchObject({
      accepted: 1,
    });
    const response = await post(t.url, await t.addKey(Role.MARKETER), op.Ingest({ events: [] }));
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('identify returns the one customer the identifiers belong to', async () => {
    const { identify } = await data(
      t.url,
      t.adminKey,
      op.Identify({ identifiers: [{ type: 'EMAIL', value: 'Who@Identify.test' }], traits: { name: 'Zhang San' } }),
    );
    expect(identify).toMatchObject({ displayName: 'Zhang San', traits: { name: 'Zhang San' } });
    const again = await data(
      t.url,
      t.adminKey,
      op.Identify({
        identifiers: [
          { type: 'EMAIL', value: 'who@identify.test' },
          { type: 'WECHAT_OPENID', value: 'o-abc' },
        ],
      }),
    );
    expect(again.identify.id).toBe(identify.id);
    expect(codes(await post(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'PHONE', value: 'nope' }] })))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('identity rules', () => {
  it('serves defaults and lets an admin change a rule', async () => {
    const { identityRules } = await data(t.url, t.adminKey, op.IdentityRules());
    expect(identityRules.find((r: { type: string }) => r.type === 'MEMBER_ID')).toMatchObject({ maxPerCustomer: 1, priority: 1 });
    const { setIdentityRule } = await data(t.url, t.adminKey, op.SetIdentityRule({ input: { type: 'DEVICE_ID', blockedValues: ['shared-kiosk'] } }));
    expect(setIdentityRule).toMatchObject({ type: 'DEVICE_ID', blockedValues: ['shared-kiosk'], maxPerCustomer: null });
    const result = await t.ingest([{ messageId: id(), kind: 'IDENTIFY', identifiers: [{ type: 'DEVICE_ID', value: 'shared-kiosk' }] }]);
    expect(result.errors[0].code).toBe('NO_IDENTIFIERS');
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.SetIdentityRule({ input: { type: 'EMAIL', priority: 1 } })))).toEqual(['FORBIDDEN']);
  });

  it('never collapses 500 customers sharing one device id with distinct member ids', async () => {
    const events = Array.from({ length: 500 }, (_, i) => ({
      messageId: `shared-${i}`,
      kind: 'TRACK',
      event: 'app_opened',
      identifiers: [
        { type: 'DEVICE_ID', value: 'hard-coded-device' },
        { type: 'MEMBER_ID', value: `member-${i}` },
      ],
    }));
    const result = await t.ingest(events);
    expect(result).toMatchObject({ accepted: 500, customersCreated: 500, merges: 0 });
    expect(result.unlinked).toHaveLength(499);
    expect(result.unlinked[0]).toMatchObject({ type: 'DEVICE_ID', value: 'hard-coded-device' });
    const [{ n }] = await t.sql(`select count(distinct customer_id)::int n from identity where type = 'MEMBER_ID' and value like 'member-%'`);
    expect(n).toBe(500);
    const [{ refused }] = await t.sql(`select count(*)::int refused from audit_entry where action = 'customer.merge_refused'`);
    expect(refused).toBeGreaterThanOrEqual(499);
  });
});
