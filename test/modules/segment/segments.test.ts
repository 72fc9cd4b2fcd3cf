import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { sqlStatements } from '../../support/sql-count';
import { startTestServer, type TestServer } from '../../support/server';

const op = {
  ...operations('segment.graphql'),
  ...operations('ingest.graphql'),
  ...operations('preference.graphql'),
  ...operations('feedback.graphql'),
  ...operations('conversation.graphql'),
};
const clock = new TestClock('2026-06-01T00:00:00Z');
let t: TestServer;
let n = 0;
const ids: Record<string, string> = {};

const days = (d: number) => new Date(clock.now().getTime() - d * 86_400_000).toISOString();
const item = (email: string, extra: Record<string, unknown>) => ({
  messageId: `sg-${++n}`,
  identifiers: [{ type: 'EMAIL', value: email }],
  occurredAt: clock.now().toISOString(),
  ...extra,
});

beforeAll(async () => {
  t = await startTestServer({ clock });
  // ann: a big spender in Shanghai who bought twice lately; bob: one old order, a phone; cat: a prospect with a VIP tag
  await data(
    t.url,
    t.adminKey,
    op.Ingest({
      events: [
        item('ann@s.test', {
          kind: 'TRACK',
          event: 'order_completed',
          revenue: 60_000,
          properties: { sku: 'A1', category: 'shoes' },
          traits: { city: 'Shanghai', age: 34, name: 'Ann' },
          occurredAt: days(10),
        }),
        item('ann@s.test', { kind: 'TRACK', event: 'order_completed', revenue: 50_000, properties: { sku: 'B2', category: 'bags' }, occurredAt: days(3) }),
        item('bob@s.test', {
          kind: 'TRACK',
          event: 'order_completed',
          revenue: 300,
          properties: { sku: 'A1', category: 'shoes' },
          traits: { city: 'Beijing', age: 51, name: 'Bob' },
          occurredAt: days(200),
        }),
        {
          messageId: `sg-${++n}`,
          kind: 'IDENTIFY',
          identifiers: [
            { type: 'EMAIL', value: 'bob@s.test' },
            { type: 'PHONE', value: '13700009999' },
          ],
          occurredAt: days(200),
        },
        item('cat@s.test', { kind: 'IDENTIFY', traits: { city: 'Shanghai', name: 'Cat', "weird'key": 'x' } }),
      ],
    }),
  );
  for (const name of ['ann', 'bob', 'cat'])
    ids[name] = (await data(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: `${name}@s.test` }] }))).identify.id;
  await data(t.url, t.adminKey, { query: `mutation { tagCustomer(id: "${ids.cat}", tags: ["vip"]) { id } }` });
  await data(
    t.url,
    t.adminKey,
    op.SetPreferences({
      customerId: ids.ann,
      input: { preferredChannels: ['WECHAT'], language: 'zh-CN', consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: true }] },
    }),
  );
  await data(t.url, t.adminKey, op.SubmitSurvey({ input: { customerId: ids.bob, kind: 'NPS', score: 9 } }));
  await data(t.url, t.adminKey, op.OpenConversation({ input: { customerId: ids.cat, channel: 'WECHAT', body: 'hi' } }));
});
afterAll(() => t.stop());

const who = async (rule: unknown) => {
  const { previewSegment } = await data(t.url, t.adminKey, op.PreviewSegment({ rule, limit: 10 }));
  const names = previewSegment.sample
    .map((c: any) => Object.entries(ids).find(([, id]) => id === c.id)?.[0])
    .filter(Boolean)
    .sort();
  expect(previewSegment.count).toBe(names.length);
  return names;
};

describe('segment rules', () => {
  it.each([
    [
      'a stage and a tier',
      { and: [{ field: { field: 'VALUE_TIER', op: 'EQ', value: 'HIGH' } }, { field: { field: 'LIFECYCLE_STAGE', op: 'IN', value: ['NEW', 'ACTIVE'] } }] },
      ['ann'],
    ],
    ['total spend', { field: { field: 'TOTAL_SPEND', op: 'GTE', value: 300 } }, ['ann', 'bob']],
    ['a tag', { field: { field: 'TAG', op: 'EQ', value: 'vip' } }, ['cat']],
    ['no tags', { field: { field: 'TAG', op: 'NOT_EXISTS' } }, ['ann', 'bob']],
    ['last purchase before a date', { field: { field: 'LAST_PURCHASE_AT', op: 'LT', value: '2026-01-01T00:00:00Z' } }, ['bob']],
    [
      'preferred channel and language',
      { and: [{ field: { field: 'PREFERRED_CHANNEL', op: 'EQ', value: 'WECHAT' } }, { field: { field: 'LANGUAGE', op: 'STARTS_WITH', value: 'zh' } }] },
      ['ann'],
    ],
    ['not preferring WeChat, those with no preference included', { field: { field: 'PREFERRED_CHANNEL', op: 'NEQ', value: 'WECHAT' } }, ['bob', 'cat']],
    [
      'fewer than two orders in 30 days, those with none included',
      { event: { name: 'order_completed', within: { days: 30 }, count: { op: 'LT', value: 2 } } },
      ['bob', 'cat'],
    ],
    ['a trait equal', { trait: { key: 'city', op: 'EQ', value: 'Shanghai' } }, ['ann', 'cat']],
    ['a trait number', { trait: { key: 'age', op: 'GT', value: 40 } }, ['bob']],
    ['a trait contains', { trait: { key: 'name', op: 'CONTAINS', value: 'A' } }, ['ann', 'cat']],
    ['a trait in a list', { trait: { key: 'city', op: 'IN', value: ['Beijing', 'Guangzhou'] } }, ['bob']],
    ['a trait missing', { trait: { key: 'age', op: 'NOT_EXISTS' } }, ['cat']],
    ['an identity', { identity: { type: 'PHONE', exists: true } }, ['bob']],
    ['two orders in 30 days', { event: { name: 'order_completed', within: { days: 30 }, count: { op: 'GTE', value: 2 } } }, ['ann']],
    [
      'revenue in 90 days with a property',
      {
        event: { name: 'order_completed', within: { days: 90 }, where: [{ key: 'category', op: 'EQ', value: 'shoes' }], revenueSum: { op: 'GT', value: 1000 } },
      },
      ['ann'],
    ],
    ['any order of a sku', { event: { name: 'order_completed', where: [{ key: 'sku', op: 'EQ', value: 'A1' }] } }, ['ann', 'bob']],
    ['marketing consent', { consent: { channel: 'SMS', purpose: 'MARKETING', granted: true } }, ['ann']],
    ['no marketing consent', { consent: { channel: 'SMS', purpose: 'MARKETING', granted: false } }, ['bob', 'cat']],
    ['a conversation on WeChat', { conversation: { channel: 'WECHAT', within: { days: 7 }, count: { op: 'GTE', value: 1 } } }, ['cat']],
    ['a promoter', { survey: { kind: 'NPS', score: { op: 'GTE', value: 9 } } }, ['bob']],
    [
      'nested or / not',
      {
        or: [
          { not: { trait: { key: 'city', op: 'EQ', value: 'Shanghai' } } },
          { and: [{ field: { field: 'TAG', op: 'EQ', value: 'vip' } }, { not: { identity: { type: 'PHONE', exists: true } } }] },
        ],
      },
      ['bob', 'cat'],
    ],
  ])('selects by %s', async (_name, rule, expected) => {
    expect(await who(rule)).toEqual(expected);
  });

  it('counts a relative window at its edge', async () => {
    expect(await who({ event: { name: 'order_completed', within: { days: 3 }, count: { op: 'EQ', value: 1 } } })).toEqual(['ann']);
    expect(await who({ event: { name: 'order_completed', within: { days: 2 }, count: { op: 'GTE', value: 1 } } })).toEqual([]);
  });

  it('binds trait keys and values: an injection attempt is just a key that matches nothing', async () => {
    expect(await who({ trait: { key: "city') or 1=1 --", op: 'EQ', value: 'x' } })).toEqual([]);
    expect(await who({ trait: { key: 'city', op: 'EQ', value: "Shanghai' or '1'='1" } })).toEqual([]);
    expect(await who({ trait: { key: "weird'key", op: 'EXISTS' } })).toEqual(['cat']);
  });

  it.each([
    [{ field: { field: 'TAG', op: 'GT', value: 'vip' } }, 'rule.field'],
    [
      { and: [{ field: { field: 'TOTAL_SPEND', op: 'GT', value: 1 } }, { event: { name: 'x', count: { op: 'CONTAINS', value: 1 } } }] },
      'rule.and[1].event.count',
    ],
    [{ field: { field: 'TOTAL_SPEND', op: 'GT', value: 'lots' } }, 'rule.field'],
    [{ trait: { key: 'a', op: 'IN', value: 'x' } }, 'rule.trait'],
    [{ trait: { key: 'a', op: 'EQ', value: 1 }, identity: { type: 'PHONE', exists: true } }, 'rule'],
    [{ or: [] }, 'rule.or'],
    [{ event: { name: 'x', within: { days: 0 } } }, 'rule.event.within.days'],
    [
      Array.from({ length: 11 }).reduce((inner: unknown) => ({ not: inner }), { identity: { type: 'PHONE', exists: true } }),
      'rule.not.not.not.not.not.not.not.not.not.not',
    ],
  ])('refuses a bad rule, naming the node (%#)', async (rule, path) => {
    const response = await post(t.url, t.adminKey, op.PreviewSegment({ rule }));
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors[0].extensions.path).toBe(path);
  });
});

describe('segments', () => {
  it('materialises a dynamic segment, keeps its history, and finds its members every way', async () => {
    const { createSegment: big } = await data(
      t.url,
      t.adminKey,
      op.CreateSegment({ input: { name: 'Big spenders', kind: 'DYNAMIC', rule: { field: { field: 'TOTAL_SPEND', op: 'GTE', value: 300 } } } }),
    );
    expect(big).toMatchObject({ size: 2, kind: 'DYNAMIC', rule: { field: { field: 'TOTAL_SPEND', op: 'GTE', value: 300 } }, stale: false });
    const { segment } = await data(t.url, t.adminKey, op.Segment({ id: big.id }));
    expect(segment.members.edges.map((e: any) => e.node.id).sort()).toEqual([ids.ann, ids.bob].sort());
    const members = (fields: string) =>
      post(t.url, t.adminKey, {
        query: `query($id: ID!) { segment(id: $id) { members(first: 5) { ${fields} edges { node { id } } } } }`,
        variables: { id: big.id },
      });
    const [bare, counted] = [await members(''), await members('totalCount')];
    expect(counted.body.data.segment.members.totalCount).toBe(2);
    expect(sqlStatements(counted) - sqlStatements(bare)).toBe(1);
    expect(segment.history.edges.map((e: any) => e.node.change)).toEqual(['ENTERED', 'ENTERED']);
    const { customers } = await data(t.url, t.adminKey, op.CustomersInSegment({ segmentId: big.id }));
    expect(customers.totalCount).toBe(2);
    expect(customers.edges[0].node.segments.map((s: any) => s.name)).toContain('Big spenders');

    // a segment of segments, and cycles refused
    const { createSegment: both } = await data(
      t.url,
      t.adminKey,
      op.CreateSegment({
        input: {
          name: 'Big and consenting',
          kind: 'DYNAMIC',
          rule: { and: [{ segment: { segmentId: big.id, member: true } }, { consent: { channel: 'SMS', purpose: 'MARKETING', granted: true } }] },
        },
      }),
    );
    expect(both.size).toBe(1);
    const cycle = await post(t.url, t.adminKey, op.UpdateSegment({ id: big.id, input: { rule: { segment: { segmentId: both.id, member: true } } } }));
    expect(codes(cycle)).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.DeleteSegment({ id: big.id })))).toEqual(['CONFLICT']);
  });

  it('publishes ENTERED after an order and EXITED after consent is withdrawn, live', async () => {
    const { createSegment: consenting } = await data(
      t.url,
      t.adminKey,
      op.CreateSegment({
        input: {
          name: 'SMS marketing',
          kind: 'DYNAMIC',
          rule: { and: [{ consent: { channel: 'SMS', purpose: 'MARKETING', granted: true } }, { event: { name: 'order_completed', within: { days: 30 } } }] },
        },
      }),
    );
    expect(consenting.size).toBe(1);
    const client = wsClient(t.wsUrl, await t.addKey(Role.MARKETER));
    const live = await t.subscribe('SEGMENT_MEMBERSHIP', () => collect(client, op.SegmentMembership({ segmentId: consenting.id })));
    try {
      await data(t.url, t.adminKey, op.SetPreferences({ customerId: ids.bob, input: { consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: true }] } }));
      await data(t.url, t.adminKey, op.Ingest({ events: [item('bob@s.test', { kind: 'TRACK', event: 'order_completed', revenue: 10 })] }));
      await data(
        t.url,
        t.adminKey,
        op.SetPreferences({ customerId: ids.ann, input: { consents: [{ channel: 'SMS', purpose: 'MARKETING', granted: false }] } }),
      );
      await live.waitFor(2);
      const { refreshSegment } = await data(t.url, t.adminKey, op.RefreshSegment({ id: consenting.id }));
      expect(refreshSegment).toMatchObject({ entered: 0, exited: 0, segment: { size: 1 } });
      expect(live.events.map((e) => [e.data!.segmentMembership.customerId, e.data!.segmentMembership.change]).sort()).toEqual(
        [
          [ids.ann, 'EXITED'],
          [ids.bob, 'ENTERED'],
        ].sort(),
      );
    } finally {
      live.dispose();
      await client.dispose();
    }
  });

  it('moves members on ingestion, in the same transaction, and says so live', async () => {
    const { createSegment: shoes } = await data(
      t.url,
      t.adminKey,
      op.CreateSegment({
        input: { name: 'Bag buyers', kind: 'DYNAMIC', rule: { event: { name: 'order_completed', where: [{ key: 'category', op: 'EQ', value: 'bags' }] } } },
      }),
    );
    expect(shoes.size).toBe(1);
    const client = wsClient(t.wsUrl, t.adminKey);
    const live = await t.subscribe('SEGMENT_MEMBERSHIP', () => collect(client, op.SegmentMembership({ segmentId: shoes.id })));
    try {
      await data(
        t.url,
        t.adminKey,
        op.Ingest({ events: [item('cat@s.test', { kind: 'TRACK', event: 'order_completed', revenue: 99, properties: { category: 'bags' } })] }),
      );
      await live.waitFor(1);
      expect(live.events[0].data!.segmentMembership).toMatchObject({ customerId: ids.cat, change: 'ENTERED' });
      expect((await data(t.url, t.adminKey, op.Segment({ id: shoes.id }))).segment.size).toBe(2);
    } finally {
      live.dispose();
      await client.dispose();
    }
  });

  it('refreshes time-windowed segments in the scheduled job, and says when they are stale', async () => {
    const { createSegment: recent } = await data(
      t.url,
      t.adminKey,
      op.CreateSegment({ input: { name: 'Bought this week', kind: 'DYNAMIC', rule: { event: { name: 'order_completed', within: { days: 7 } } } } }),
    );
    const before = recent.size;
    expect(recent.stale).toBe(false);
    clock.advanceDays(30);
    expect((await data(t.url, t.adminKey, op.Segment({ id: recent.id }))).segment.stale).toBe(true);
    await t.server.jobs.runNow('segment_refresh');
    const { segment } = await data(t.url, t.adminKey, op.Segment({ id: recent.id }));
    expect(segment).toMatchObject({ size: 0, stale: false, lastError: null, refreshedAt: clock.now().toISOString() });
    expect(segment.history.edges.filter((e: any) => e.node.change === 'EXITED')).toHaveLength(before);
    clock.advanceDays(-30);
  });

  it('keeps static segments by hand, and each workspace to its own', async () => {
    const { createSegment: list } = await data(t.url, t.adminKey, op.CreateSegment({ input: { name: 'Call list', kind: 'STATIC' } }));
    expect((await data(t.url, t.adminKey, op.AddToSegment({ id: list.id, customerIds: [ids.ann, ids.cat] }))).addToSegment.size).toBe(2);
    expect((await data(t.url, t.adminKey, op.RemoveFromSegment({ id: list.id, customerIds: [ids.ann] }))).removeFromSegment.size).toBe(1);
    expect(codes(await post(t.url, t.adminKey, op.CreateSegment({ input: { name: 'Call list', kind: 'STATIC' } })))).toEqual(['CONFLICT']);
    const other = await t.addWorkspace('Other segments');
    expect((await data(t.url, other.adminKey, op.Segments())).segments).toEqual([]);
    expect((await data(t.url, other.adminKey, op.Segment({ id: list.id }))).segment).toBeNull();
    expect(codes(await post(t.url, other.adminKey, op.AddToSegment({ id: list.id, customerIds: [ids.ann] })))).toEqual(['NOT_FOUND']);
    expect((await data(t.url, other.adminKey, op.PreviewSegment({ rule: { trait: { key: 'city', op: 'EXISTS' } } }))).previewSegment.count).toBe(0);
    expect(codes(await post(t.url, await t.addKey(Role.AGENT), op.CreateSegment({ input: { name: 'x', kind: 'STATIC' } })))).toEqual(['FORBIDDEN']);
  });
});

describe('segment export', () => {
  it('streams the members of a 10,000-member segment as CSV, for ADMIN and MARKETER keys of the workspace only', async () => {
    const other = await t.addWorkspace('Export');
    const em = t.orm.em.fork();
    await em.getConnection().execute(
      `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
       select gen_random_uuid(), ?, 'Person ' || g, jsonb_build_object('city', case when g % 2 = 0 then 'Shanghai' else 'Beijing, "north"' end), '{}', '{export}', 0, 0, now(), now(), now(), now()
       from generate_series(1, 10000) g`,
      [other.workspaceId],
    );
    await em.getConnection().execute(
      `insert into identity (id, workspace_id, customer_id, type, value, verified, first_seen_at, last_seen_at)
       select gen_random_uuid(), workspace_id, id, 'EMAIL', lower(replace(display_name, ' ', '')) || '@x.test', true, now(), now() from customer where workspace_id = ?`,
      [other.workspaceId],
    );
    await em.getConnection().execute('analyze customer; analyze identity');
    const { createSegment } = await data(
      t.url,
      other.adminKey,
      op.CreateSegment({ input: { name: 'Everyone tagged', kind: 'DYNAMIC', rule: { field: { field: 'TAG', op: 'EQ', value: 'export' } } } }),
    );
    expect(createSegment.size).toBe(10_000);
    const url = `${t.baseUrl}/segments/${createSegment.id}/export.csv?traits=city`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${await t.addKey(Role.MARKETER, other.workspaceId)}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('id,display_name,email,phone,lifecycle_stage,value_tier,city');
    expect(lines).toHaveLength(10_001);
    expect(lines.some((line) => line.includes(',person1@x.test,,PROSPECT,BASIC,"Beijing, ""north"""'))).toBe(true);

    expect((await fetch(url, { headers: { authorization: `Bearer ${await t.addKey(Role.AGENT, other.workspaceId)}` } })).status).toBe(403);
    expect((await fetch(url, { headers: { authorization: `Bearer ${t.adminKey}` } })).status).toBe(404);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}x'),(select`, { headers: { authorization: `Bearer ${other.adminKey}` } })).status).toBe(400);
  });
});
