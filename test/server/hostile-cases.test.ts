import { createHash, randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { buildGraphQLSchema } from '../../src/graphql/schema';
import { unknownCoordinates } from '../../src/graphql/input-guard';
import { codes, collect, data, post, wsClient, type Operation } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
const identify = (traits: unknown): Operation => ({
  query: 'mutation($identifiers: [IdentifierInput!]!, $traits: JSON) { identify(identifiers: $identifiers, traits: $traits) { id } }',
  variables: { identifiers: [{ type: 'EMAIL', value: 'case@example.com' }], traits },
});

/** The errors a WebSocket operation ends with (or those of its first result). */
async function wsErrors(client: Client, operation: Operation) {
  const subscription = collect(client, operation);
  const events = await subscription.waitFor(1);
  subscription.dispose();
  return [...(Array.isArray(subscription.error) ? subscription.error : []), ...events.flatMap((event) => event.errors ?? [])] as {
    message: string;
    extensions?: Record<string, unknown>;
  }[];
}
const wsCodes = async (client: Client, operation: Operation) => (await wsErrors(client, operation)).map((error) => String(error.extensions?.code));

describe('hostile input, case by case', () => {
  let t: TestServer;
  let client: Client;
  beforeAll(async () => {
    t = await startTestServer();
    client = wsClient(t.wsUrl, t.adminKey);
  });
  afterAll(async () => {
    await client.dispose();
    await t.stop();
  });

  it('names the JSON path of a NUL byte or lone surrogate, and refuses JSON deeper than 32 levels', async () => {
    const nul = await post(t.url, t.adminKey, identify({ profile: { city: 'Shang\u0000hai' } }));
    expect(nul.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'traits.profile.city' });
    const surrogate = await post(t.url, t.adminKey, {
      query: 'query($search: String) { customers(filter: { search: $search }) { totalCount } }',
      variables: { search: 'a\ud800' },
    });
    expect(surrogate.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.search' });
    let deep: unknown = 1;
    for (let i = 0; i < 33; i++) deep = { a: deep };
    expect(codes(await post(t.url, t.adminKey, identify(deep)))).toEqual(['BAD_USER_INPUT']);
    let fits: unknown = 1;
    for (let i = 0; i < 31; i++) fits = { a: fits };
    expect(codes(await post(t.url, t.adminKey, identify(fits)))).toEqual([]);
  });

  it('validates every cursor and id before SQL', async () => {
    const audit = 'query($after: String, $subjectId: ID) { auditLog(first: 5, after: $after, subjectId: $subjectId) { edges { cursor } } }';
    const feedback = 'query($after: String) { feedbackItems(first: 5, after: $after) { totalCount } }';
    for (const after of [cursor(['x']), cursor({}), cursor(5), cursor(['2020-02-30T00:00:00.000Z', randomUUID()]), 'garbage']) {
      expect(codes(await post(t.url, t.adminKey, { query: audit, variables: { after } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await post(t.url, t.adminKey, { query: feedback, variables: { after } }))).toEqual(['BAD_USER_INPUT']);
    }
    expect((await data(t.url, t.adminKey, { query: audit, variables: { subjectId: 'abc' } })).auditLog.edges).toEqual([]);
    expect((await data(t.url, t.adminKey, { query: 'query($id: ID!) { conversation(id: $id) { id } }', variables: { id: 'abc' } })).conversation).toBeNull();
    expect(
      codes(await post(t.url, t.adminKey, { query: 'mutation { createQueue(input: { name: "q", channels: [PHONE], slaPolicyId: "" }) { id } }' })),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a list of mixed values for a number in a segment rule', async () => {
    const rule = { field: { field: 'ORDER_COUNT', op: 'IN', value: [1, 'a', null] } };
    const preview = { query: 'query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }', variables: { rule } };
    expect(codes(await post(t.url, t.adminKey, preview))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, { ...preview, variables: { rule: { field: { field: 'ORDER_COUNT', op: 'IN', value: [1, 2] } } } }))).toEqual([]);
  });

  it('codes a subscription over HTTP and a persisted query whose hash does not match', async () => {
    const subscription = await post(t.url, t.adminKey, { query: 'subscription { auditEntryAdded { id } }' });
    expect([subscription.status, codes(subscription)]).toEqual([405, ['BAD_REQUEST']]);
    const query = '{ workspace { id } }';
    const mismatch = await post(t.url, t.adminKey, {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('other').digest('hex') } },
    } as Operation);
    expect([mismatch.status, codes(mismatch)]).toEqual([400, ['BAD_REQUEST']]);
  });

  it('codes graphql-js validation and variable errors over WebSocket as over HTTP', async () => {
    const queue = 'query($id: ID!) { queue(id: $id) { id } }';
    const two = 'query One { workspace { id } } query Other { workspace { name } }';
    const cases: [Operation, string][] = [
      [{ query: queue }, 'BAD_USER_INPUT'],
      [{ query: queue, variables: { id: null } }, 'BAD_USER_INPUT'],
      [{ query: queue, variables: { id: { a: 1 } } }, 'BAD_USER_INPUT'],
      [{ query: 'query($scene: Scene) { replyTemplates(scene: $scene) { id } }', variables: { scene: 'PARTY' } }, 'BAD_USER_INPUT'],
      [{ query: '{ workspace { id } }', operationName: 'Missing' }, 'OPERATION_RESOLUTION_FAILURE'],
      [{ query: two }, 'OPERATION_RESOLUTION_FAILURE'],
      [{ query: '{ workspace { nmae } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      [{ query: 'subscription($s: Int) { dashboard(everySeconds: $s) { __typename } }', variables: { s: 'x' } }, 'BAD_USER_INPUT'],
      [{ query: 'subscription($id: ID!) { segmentMembership(segmentId: $id) { change } }', variables: { id: randomUUID() } }, 'NOT_FOUND'],
      [{ query: 'subscription($id: ID!) { segmentMembership(segmentId: $id) { change } }', variables: { id: 'abc' } }, 'NOT_FOUND'],
    ];
    for (const [operation, code] of cases) {
      const over = { query: operation.query, variables: operation.variables, operationName: operation.operationName };
      const errors = await wsErrors(client, over);
      expect([operation.query, errors.map((error) => error.extensions?.code)]).toEqual([operation.query, [code]]);
      expect(errors.map((error) => error.message).join(' ')).not.toMatch(/did you mean|request id unknown/i);
      if (!operation.query.startsWith('subscription')) expect(codes(await post(t.url, t.adminKey, over))).toEqual([code]);
    }
  });

  it("answers NOT_FOUND for another workspace's segment over WebSocket", async () => {
    const other = await t.addWorkspace('Other');
    const { createSegment } = await data(t.url, other.adminKey, {
      query: 'mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id } }',
      variables: { input: { name: 'theirs', kind: 'STATIC' } },
    });
    expect(
      await wsCodes(client, { query: 'subscription($id: ID!) { segmentMembership(segmentId: $id) { change } }', variables: { id: createSegment.id } }),
    ).toEqual(['NOT_FOUND']);
  });

  it('bounds work: search at most 200 characters and a 1,001-item ingest refused before any SQL', async () => {
    const search = 'query($search: String) { customers(filter: { search: $search }) { totalCount } }';
    expect(codes(await post(t.url, t.adminKey, { query: search, variables: { search: 'y'.repeat(1_048_576) } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, { query: search, variables: { search: 'y'.repeat(201) } }))).toEqual(['BAD_USER_INPUT']);
    expect((await data(t.url, t.adminKey, { query: search, variables: { search: 'y'.repeat(200) } })).customers.totalCount).toBe(0);
    const events = Array.from({ length: 1_001 }, (_, i) => ({
      kind: 'TRACK',
      messageId: `m${i}`,
      identifiers: [{ type: 'EMAIL', value: `i${i}@example.com` }],
      event: 'x',
    }));
    const ingest = await post(t.url, t.adminKey, {
      query: 'mutation($events: [IngestEventInput!]!) { ingest(events: $events) { accepted } }',
      variables: { events },
    });
    expect(codes(ingest)).toEqual(['BAD_USER_INPUT']);
    expect(ingest.body.extensions?.sqlStatements).toBe(0);
  });

  it('finds customers by the start of an identity value through an index', async () => {
    await data(t.url, t.adminKey, identify({ name: 'Index Case' }));
    const { customers } = await data(t.url, t.adminKey, {
      query: 'query($s: String) { customers(filter: { search: $s }) { totalCount } }',
      variables: { s: 'CASE@exa' },
    });
    expect(customers.totalCount).toBe(1);
    const plan = await t.orm.em.fork().transactional(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      return tx.execute(`explain select customer_id from identity where workspace_id = ? and lower(value) like lower(?)`, [t.workspaceId, 'case@exa%']);
    });
    expect(JSON.stringify(plan)).toContain('identity_value_prefix');
  });

  it('validates workspace settings: phone region, time zone, amounts', async () => {
    const update = (input: Record<string, unknown>) =>
      post(t.url, t.adminKey, { query: 'mutation($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) { id } }', variables: { input } });
    expect(codes(await update({ defaultPhoneRegion: 'ZZ' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await update({ timezone: 'Mars/Olympus' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await update({ highValueAnnualSpend: 1e300 }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await update({ defaultPhoneRegion: 'HK' }))).toEqual([]);
  });

  it('names every tighter limit after something the schema has', () => {
    expect(unknownCoordinates(buildGraphQLSchema())).toEqual([]);
  });
});

describe('production on every transport', () => {
  let t: TestServer;
  let client: Client;
  beforeAll(async () => {
    t = await startTestServer({ config: { introspection: false, production: true } });
    client = wsClient(t.wsUrl, t.adminKey);
  });
  afterAll(async () => {
    await client.dispose();
    await t.stop();
  });

  it('refuses introspection over HTTP and WebSocket, and suggests no names', async () => {
    const introspection = { query: getIntrospectionQuery() };
    expect(new Set(codes(await post(t.url, t.adminKey, introspection)))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(new Set(await wsCodes(client, introspection))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(new Set(await wsCodes(client, { query: '{ __type(name: "Customer") { fields { name } } }' }))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(await data(t.url, t.adminKey, { query: '{ __typename }' })).toEqual({ __typename: 'Query' });
    const typo = { query: '{ workspac { id } }' };
    const messages = [...(await post(t.url, t.adminKey, typo)).body.errors!, ...(await wsErrors(client, typo))].map((error) => error.message);
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message).not.toMatch(/did you mean/i);
  });
});

describe('deep input objects', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());

  it('refuses a rule nested 5,000 deep, written as text (JSON.stringify cannot write it)', async () => {
    const rule = `${'{"not":'.repeat(5_000)}{"field":{"field":"ORDER_COUNT","op":"EQ","value":1}}${'}'.repeat(5_000)}`;
    const body = `{"query":"query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }","variables":{"rule":${rule}}}`;
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body });
    const { errors } = await response.json();
    expect(errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const messages: { type: string; payload?: { extensions?: Record<string, unknown> }[] }[] = [];
    const answered = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') socket.send(`{"id":"1","type":"subscribe","payload":${body}}`);
        else {
          messages.push(message);
          resolve();
        }
      }),
    );
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.adminKey}` } })));
    await answered;
    await new Promise((resolve) => (socket.once('close', resolve), socket.close()));
    expect(messages.map((message) => [message.type, message.payload?.map((error) => error.extensions)])).toEqual([
      ['error', [{ code: 'BAD_USER_INPUT', reason: 'VARIABLES_TOO_DEEP', max: 96 }]],
    ]);
  });
});
