import { Kind, parse, print } from 'graphql';
import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlRoundTrips, sqlStatements } from '../../support/sql-count';

const op = { ...operations('ingest.graphql'), ...operations('customer.graphql'), ...operations('workspace.graphql'), ...operations('merge.graphql') };
/** The fragments CustomerProfile uses, for the same selection sent another way. */
const fragments = parse(op.CustomerProfile().query)
  .definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
  .map((definition) => print(definition))
  .join('\n');
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const events = [];
  for (let i = 0; i < 220; i++) {
    const identifiers = [
      { type: 'EMAIL', value: `reader${i}@read.test` },
      { type: 'PHONE', value: `+86136${String(i).padStart(8, '0')}` },
    ];
    events.push({
      messageId: `r-id-${i}`,
      kind: 'IDENTIFY',
      identifiers,
      traits: { name: i === 7 ? 'Wang Fang' : `Reader ${i}` },
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    });
    for (let e = 0; e < 3; e++) {
      events.push({
        messageId: `r-ev-${i}-${e}`,
        kind: 'TRACK',
        event: e === 2 ? 'order_completed' : 'page_viewed',
        revenue: e === 2 ? i : undefined,
        identifiers: identifiers.slice(0, 1),
        occurredAt: new Date(Date.UTC(2026, 1, 1, e, i)).toISOString(),
      });
    }
  }
  for (let i = 0; i < events.length; i += 1000) await data(t.url, t.adminKey, op.Ingest({ events: events.slice(i, i + 1000) }));
});
afterAll(() => t.stop());

const idOf = async (email: string) => (await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'EMAIL', value: email }))).customerByIdentity.id as string;

describe('reading customers', () => {
  it('answers a customer with identities, and the same customer by a phone written three ways', async () => {
    const id = await idOf('reader7@read.test');
    const { customer } = await data(t.url, t.adminKey, op.Customer({ id }));
    expect(customer).toMatchObject({ id, displayName: 'Wang Fang', totalSpend: 7, orderCount: 1 });
    expect(customer.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort()).toEqual([
      'EMAIL:reader7@read.test',
      'PHONE:+8613600000007',
    ]);
    for (const value of ['+86 136-0000-0007', '13600000007', '+8613600000007']) {
      expect((await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'PHONE', value }))).customerByIdentity.id).toBe(id);
    }
    expect((await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'PHONE', value: 'garbage' }))).customerByIdentity).toBeNull();
    expect((await data(t.url, t.adminKey, op.Customer({ id: 'nope' }))).customer).toBeNull();
  });

  it('resolves an absorbed id to its survivor through customer and node', async () => {
    await data(t.url, t.adminKey, op.Ingest({ events: [{ messageId: 'abs-1', kind: 'IDENTIFY', identifiers: [{ type: 'MEMBER_ID', value: 'ABS-1' }] }] }));
    const absorbedId = (await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'MEMBER_ID', value: 'ABS-1' }))).customerByIdentity.id;
    const survivorId = await idOf('reader1@read.test');
    await data(
      t.url,
      t.adminKey,
      op.Ingest({
        events: [
          {
            messageId: 'abs-2',
            kind: 'IDENTIFY',
            identifiers: [
              { type: 'MEMBER_ID', value: 'ABS-1' },
              { type: 'EMAIL', value: 'reader1@read.test' },
            ],
          },
        ],
      }),
    );
    const { customer } = await data(t.url, t.adminKey, op.Customer({ id: absorbedId }));
    expect(customer.id).toBe(survivorId);
    expect(customer.merges).toEqual([expect.objectContaining({ survivorId, absorbedId })]);
    expect((await data(t.url, t.adminKey, op.CustomerNode({ id: absorbedId }))).node).toMatchObject({ __typename: 'Customer', id: survivorId });
  });

  it('lists, filters, searches and sorts with keyset pages and a total', async () => {
    const first = (await data(t.url, t.adminKey, op.Customers({ first: 100, sort: 'CREATED_DESC' }))).customers;
    expect(first.totalCount).toBe(220);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await data(t.url, t.adminKey, op.Customers({ first: 200, after: first.pageInfo.endCursor, sort: 'CREATED_DESC' }))).customers;
    expect(second.edges).toHaveLength(120);
    expect(new Set([...first.edges, ...second.edges].map((e: { node: { id: string } }) => e.node.id)).size).toBe(220);
    const bySpend = (await data(t.url, t.adminKey, op.Customers({ first: 3, sort: 'TOTAL_SPEND_DESC' }))).customers.edges.map(
      (e: { node: { totalSpend: number } }) => e.node.totalSpend,
    );
    expect(bySpend).toEqual([219, 218, 217]);
    const bySeen = (await data(t.url, t.adminKey, op.Customers({ first: 2 }))).customers.edges.map((e: { node: { lastSeenAt: string } }) => e.node.lastSeenAt);
    expect(bySeen[0] >= bySeen[1]).toBe(true);
    expect(
      (await data(t.url, t.adminKey, op.Customers({ filter: { search: 'wang' } }))).customers.edges.map(
        (e: { node: { displayName: string } }) => e.node.displayName,
      ),
    ).toEqual(['Wang Fang']);
    expect((await data(t.url, t.adminKey, op.Customers({ filter: { search: '+861360000021' } }))).customers.totalCount).toBe(10);
    expect((await data(t.url, t.adminKey, op.Customers({ filter: { search: '100%_' } }))).customers.totalCount).toBe(0);
    // every reader bought once in February 2026 and has not been seen since: churned by now
    expect((await data(t.url, t.adminKey, op.Customers({ filter: { lifecycleStages: ['CHURNED'], valueTiers: ['BASIC'] } }))).customers.totalCount).toBe(220);
    expect((await data(t.url, t.adminKey, op.Customers({ filter: { lifecycleStages: ['PROSPECT', 'NEW', 'ACTIVE'] } }))).customers.totalCount).toBe(0);
    expect((await data(t.url, t.adminKey, op.Customers({ filter: { valueTiers: ['HIGH'] } }))).customers.totalCount).toBe(0);
    expect(codes(await post(t.url, t.adminKey, op.Customers({ first: 501 })))).toEqual(['BAD_USER_INPUT']);
  });

  it.each([
    ['LAST_SEEN_DESC', 'lastSeenAt'],
    ['CREATED_DESC', 'createdAt'],
    ['TOTAL_SPEND_DESC', 'totalSpend'],
  ])('pages all live customers by %s across two pages with cursors', async (sort, field) => {
    type Node = { id: string; [key: string]: unknown };
    const one = (await data(t.url, t.adminKey, op.Customers({ first: 150, sort }))).customers;
    expect(one).toMatchObject({ totalCount: 220, pageInfo: { hasNextPage: true } });
    const two = (await data(t.url, t.adminKey, op.Customers({ first: 150, after: one.pageInfo.endCursor, sort }))).customers;
    expect(two).toMatchObject({ totalCount: 220, pageInfo: { hasNextPage: false } });
    const nodes: Node[] = [...one.edges, ...two.edges].map((edge: { node: Node }) => edge.node);
    expect(nodes).toHaveLength(220);
    expect(new Set(nodes.map((node) => node.id)).size).toBe(220);
    const values = nodes.map((node) => (field === 'totalSpend' ? (node[field] as number) : Date.parse(node[field] as string)));
    for (let i = 1; i < values.length; i++) {
      expect(values[i] < values[i - 1] || (values[i] === values[i - 1] && nodes[i].id < nodes[i - 1].id)).toBe(true);
    }
  });

  it('refuses cursors of another sort or list, forged cursors and segment filters, with codes', async () => {
    const bySpend = (await data(t.url, t.adminKey, op.Customers({ first: 1, sort: 'TOTAL_SPEND_DESC' }))).customers.pageInfo.endCursor;
    const id = await idOf('reader3@read.test');
    for (const after of [bySpend, 'not-a-cursor', cursor({ a: 1 }), cursor(['2026-01-01T00:00:00.000000Z', 'x'])]) {
      expect(codes(await post(t.url, t.adminKey, op.Customers({ first: 1, after, sort: 'CREATED_DESC' })))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await post(t.url, t.adminKey, op.CustomerEvents({ id, first: 1, after })))).toEqual(['BAD_USER_INPUT']);
    }
    const segment = await post(t.url, t.adminKey, op.Customers({ filter: { segmentId: '01a205d7-4912-7722-b4ea-47a6f5f182ff' } }));
    expect(codes(segment)).toEqual(['NOT_FOUND']);
  });

  it('pages exactly across sort values that differ by microseconds', async () => {
    const ids = await Promise.all(['reader40@read.test', 'reader41@read.test', 'reader42@read.test'].map(idOf));
    for (const [index, id] of ids.entries()) {
      await t.orm.em
        .getConnection()
        .execute(`update customer set created_at = ?::timestamptz + ? * interval '1 microsecond' where id = ?`, [
          '2030-01-01T00:00:00.000Z',
          300 - index * 100,
          id,
        ]);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 3; i++) {
      const page = (await data(t.url, t.adminKey, op.Customers({ first: 1, after, sort: 'CREATED_DESC' }))).customers;
      seen.push(page.edges[0].node.id);
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('pages a customer’s events newest first, filtered by type', async () => {
    const id = await idOf('reader3@read.test');
    const page1 = (await data(t.url, t.adminKey, op.CustomerEvents({ id, first: 2 }))).customer.events;
    expect(page1.edges.map((e: { node: { messageId: string } }) => e.node.messageId)).toEqual(['r-ev-3-2', 'r-ev-3-1']);
    const page2 = (await data(t.url, t.adminKey, op.CustomerEvents({ id, first: 5, after: page1.pageInfo.endCursor }))).customer.events;
    expect(page2.edges.map((e: { node: { messageId: string } }) => e.node.messageId)).toEqual(['r-ev-3-0', 'r-id-3']);
    const orders = (await data(t.url, t.adminKey, op.CustomerEvents({ id, type: 'order_completed' }))).customer.events;
    expect(orders.edges).toHaveLength(1);
  });

  it('costs the same number of SQL statements for 10 customers as for 200, nested fields included, in two round trips', async () => {
    const small = await post(t.url, t.adminKey, op.Customer360({ first: 10 }));
    const large = await post(t.url, t.adminKey, op.Customer360({ first: 200 }));
    expect(large.body.errors).toBeUndefined();
    expect(large.body.data.customers.edges).toHaveLength(200);
    expect(large.body.data.customers.edges[5].node.events.edges.length).toBeGreaterThan(0);
    expect(sqlStatements(large)).toBe(sqlStatements(small));
    // the page, then the three loaders' reads together, each round trip with its plan setting in front
    expect(sqlStatements(large)).toBeLessThanOrEqual(6);
    expect(sqlRoundTrips(large)).toBe(sqlRoundTrips(small));
    expect(sqlRoundTrips(large)).toBeLessThanOrEqual(2);
  });

  it('answers a customer with identities, events and merges in one round trip, the same as field by field', async () => {
    const [survivor, absorbed] = await Promise.all(['reader60@read.test', 'reader61@read.test'].map(idOf));
    await data(t.url, t.adminKey, op.MergeCustomers({ survivorId: survivor, absorbedId: absorbed }));
    await post(t.url, t.adminKey, op.Workspace()); // the key is looked up once, then cached
    for (const id of [survivor, absorbed]) {
      const profile = await post(t.url, t.adminKey, op.CustomerProfile({ id, events: 3 }));
      expect(profile.body.errors).toBeUndefined();
      expect(sqlRoundTrips(profile)).toBe(1);
      const customer = profile.body.data.customer;
      expect(customer.id).toBe(survivor);
      expect(customer.identities.map((identity: { value: string }) => identity.value)).toEqual(
        expect.arrayContaining(['reader60@read.test', 'reader61@read.test']),
      );
      expect(customer.merges).toEqual([expect.objectContaining({ survivorId: survivor, absorbedId: absorbed })]);
      expect(customer.events.edges).toHaveLength(3);
      expect(customer.events.pageInfo.hasNextPage).toBe(true);
      // the same answer as through node(id), whose fields go through the loaders one by one
      const byNode = await post(t.url, t.adminKey, {
        query: `query ($id: ID!, $events: Int) { node(id: $id) { ... on Customer { ...CustomerCard ...CustomerEvents identities { type value verified lastSeenAt } merges { id survivorId absorbedId reason at } } } }
                ${fragments}`,
        variables: { id, events: 3 },
      });
      expect(sqlRoundTrips(byNode)).toBeGreaterThan(1);
      expect(byNode.body.data.node).toEqual(customer);
    }
  });

  it('tags and untags, audited, following merges', async () => {
    const id = await idOf('reader9@read.test');
    expect((await data(t.url, t.adminKey, op.TagCustomer({ id, tags: [' vip ', 'complaint-risk', 'vip'] }))).tagCustomer.tags).toEqual([
      'complaint-risk',
      'vip',
    ]);
    expect((await data(t.url, t.adminKey, op.UntagCustomer({ id, tags: ['complaint-risk'] }))).untagCustomer.tags).toEqual(['vip']);
    expect(
      (await data(t.url, t.adminKey, op.Customers({ filter: { tags: ['vip'] } }))).customers.edges.map((e: { node: { id: string } }) => e.node.id),
    ).toEqual([id]);
    expect(codes(await post(t.url, t.adminKey, op.TagCustomer({ id: '01a205d7-4912-7722-b4ea-47a6f5f182ff', tags: ['x'] })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, t.adminKey, op.TagCustomer({ id, tags: [''] })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.TagCustomer({ id, tags: ['x'.repeat(65)] })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.TagCustomer({ id: 'nope', tags: ['x'] })))).toEqual(['NOT_FOUND']);
    const audit = (await data(t.url, t.adminKey, op.AuditLog({ subjectId: id }))).auditLog.edges.map((e: { node: unknown }) => e.node);
    expect(audit.slice(0, 2)).toEqual([
      expect.objectContaining({ action: 'customer.untagged', subjectType: 'Customer', subjectId: id, details: { tags: ['complaint-risk'] } }),
      expect.objectContaining({ action: 'customer.tagged', subjectType: 'Customer', subjectId: id, details: { tags: ['vip', 'complaint-risk'] } }),
    ]);
  });

  it('tags the survivor when given an absorbed id, and lets MARKETER and AGENT tag but not ANALYST', async () => {
    await data(
      t.url,
      t.adminKey,
      op.Ingest({ events: [{ messageId: 'tag-abs-1', kind: 'IDENTIFY', identifiers: [{ type: 'MEMBER_ID', value: 'TAG-ABS' }] }] }),
    );
    const absorbedId = (await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'MEMBER_ID', value: 'TAG-ABS' }))).customerByIdentity.id;
    await data(
      t.url,
      t.adminKey,
      op.Ingest({
        events: [
          {
            messageId: 'tag-abs-2',
            kind: 'IDENTIFY',
            identifiers: [
              { type: 'MEMBER_ID', value: 'TAG-ABS' },
              { type: 'EMAIL', value: 'reader11@read.test' },
            ],
          },
        ],
      }),
    );
    const survivorId = (await data(t.url, t.adminKey, op.Customer({ id: absorbedId }))).customer.id;
    expect(survivorId).not.toBe(absorbedId);
    expect((await data(t.url, await t.addKey(Role.MARKETER), op.TagCustomer({ id: absorbedId, tags: ['merged-vip'] }))).tagCustomer).toEqual({
      id: survivorId,
      tags: ['merged-vip'],
    });
    expect((await data(t.url, await t.addKey(Role.AGENT), op.UntagCustomer({ id: absorbedId, tags: ['merged-vip'] }))).untagCustomer).toEqual({
      id: survivorId,
      tags: [],
    });
    const [row] = await t.orm.em.getConnection().execute('select tags from customer where id = ?', [absorbedId]);
    expect(row.tags).toEqual([]);
    expect(codes(await post(t.url, await t.addKey(Role.ANALYST), op.TagCustomer({ id: survivorId, tags: ['x'] })))).toEqual(['FORBIDDEN']);
  });
});

describe('access to customers', () => {
  it('masks identity values for ANALYST keys', async () => {
    const id = await idOf('reader7@read.test');
    const { customer } = await data(t.url, await t.addKey(Role.ANALYST), op.Customer({ id }));
    expect(customer.identities.map((i: { value: string }) => i.value).sort()).toEqual(['**********0007', 'r***@read.test']);
  });

  it('refuses INGEST keys and shows workspace B none of A’s customers', async () => {
    const id = await idOf('reader7@read.test');
    expect(codes(await post(t.url, await t.addKey(Role.INGEST), op.Customer({ id })))).toEqual(['FORBIDDEN']);
    const b = await t.addWorkspace('B');
    expect((await data(t.url, b.adminKey, op.Customer({ id }))).customer).toBeNull();
    expect((await data(t.url, b.adminKey, op.Customers({}))).customers.totalCount).toBe(0);
    expect((await data(t.url, b.adminKey, op.CustomerByIdentity({ type: 'EMAIL', value: 'reader7@read.test' }))).customerByIdentity).toBeNull();
    expect((await data(t.url, b.adminKey, op.CustomerNode({ id }))).node).toBeNull();
    expect(codes(await post(t.url, b.adminKey, op.TagCustomer({ id, tags: ['x'] })))).toEqual(['NOT_FOUND']);
  });
});
