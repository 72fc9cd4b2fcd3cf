import { loadConfig } from '../../src/config';
import { codes, collect, data, post, wsClient, type GraphQLResponse } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = operations('workspace.graphql');
const defaults = loadConfig().limits;
/** Default limits, except two subscriptions per socket. */
let t: TestServer;
/** Introspection off and a depth limit of 3, which the small schema can exceed with real fields. */
let strict: TestServer;

beforeAll(async () => {
  [t, strict] = await Promise.all([
    startTestServer({ config: { limits: { ...defaults, subscriptionsPerSocket: 2 } } }),
    startTestServer({ config: { introspection: false, limits: { ...defaults, maxDepth: 3 } } }),
  ]);
  // warms the key caches: a refused query then sends no SQL at all
  await data(t.url, t.adminKey, op.Workspace());
  await data(strict.url, strict.adminKey, op.Workspace());
});
afterAll(() => Promise.all([t?.stop(), strict?.stop()]));

const aliases = (n: number, field = 'workspace { id }') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
const tooManyTokens = `{ workspace { ${'id '.repeat(2100)} } }`;
/** n directives, one per inline fragment (a directive repeated on one field is a plain validation error). */
const directives = (n: number, selection: string) => Array.from({ length: n }, () => `... @include(if: true) { ${selection} }`).join(' ');
type WsError = { message: string; extensions?: { code?: string } };
/** The errors a graphql-ws operation ended with: an `error` message, or errors in its first result. */
const wsErrors = (sub: { error: unknown; events: { errors?: readonly unknown[] }[] }): WsError[] => (sub.error ?? sub.events[0]?.errors ?? []) as WsError[];

/** Refused with a 400, a coded error naming the limit, no data, no SQL; the server answers the next query. */
async function expectRefused(server: TestServer, query: string, code: string, pattern: RegExp): Promise<GraphQLResponse> {
  const response = await post(server.url, server.adminKey, { query });
  expect(response.status).toBe(400);
  expect(codes(response)).toEqual([code]);
  expect(response.body.errors![0].message).toMatch(pattern);
  expect(response.body.data).toBeUndefined();
  expect(response.body.extensions?.sqlStatements).toBe(0); // the request-scoped counter is there, and nothing ran
  expect((await data(server.url, server.adminKey, op.Workspace())).workspace.id).toBe(server.workspaceId);
  return response;
}

describe('query limits, before any resolver or SQL', () => {
  it('allows 15 aliases and refuses 16', async () => {
    expect(Object.keys(await data(t.url, t.adminKey, { query: `{ ${aliases(15)} }` }))).toHaveLength(15);
    await expectRefused(t, `{ ${aliases(16)} }`, 'GRAPHQL_VALIDATION_FAILED', /aliases limit of 15/i);
  });

  it('refuses more than 2000 tokens as a parse failure', () => expectRefused(t, tooManyTokens, 'GRAPHQL_PARSE_FAILED', /2000 tokens/));

  it('answers a plain syntax error with 400 GRAPHQL_PARSE_FAILED, not a server error', () =>
    expectRefused(t, '{ workspace { id }', 'GRAPHQL_PARSE_FAILED', /Syntax Error/));

  it('allows 20 directives and refuses 21', async () => {
    expect((await data(t.url, t.adminKey, { query: `{ ${directives(20, 'workspace { id }')} }` })).workspace.id).toBe(t.workspaceId);
    await expectRefused(t, `{ ${directives(21, 'workspace { id }')} }`, 'GRAPHQL_VALIDATION_FAILED', /directives limit of 20/i);
  });

  it('refuses a query over the cost limit', async () => {
    const node = 'identities { id type value } events(first: 500) { edges { node { id type revenue } } }';
    await expectRefused(t, `{ ${aliases(14, `customers(first: 500) { edges { node { ${node} } } }`)} }`, 'GRAPHQL_VALIDATION_FAILED', /cost limit of 5000/i);
  });

  it('refuses depth beyond the limit, fragments included', async () => {
    expect((await data(strict.url, strict.adminKey, { query: '{ workspace { settings { timezone } } }' })).workspace.settings.timezone).toBeTruthy();
    await expectRefused(strict, '{ customers { edges { node { id } } } }', 'GRAPHQL_VALIDATION_FAILED', /depth limit of 3/i);
    const viaFragments = '{ customers { ...C } } fragment C on CustomerConnection { edges { ...E } } fragment E on CustomerEdge { node { id } }';
    await expectRefused(strict, viaFragments, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 3/i);
  });

  it('gives no "Did you mean" suggestions', async () => {
    const response = await expectRefused(t, '{ workspac { id } }', 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "workspac"/);
    expect(response.body.errors![0].message).not.toMatch(/Did you mean/);
    const argument = await post(t.url, t.adminKey, { query: '{ auditLog(frist: 1) { edges { cursor } } }' });
    expect(codes(argument)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(argument.body.errors![0].message).not.toMatch(/Did you mean/);
  });
});

describe('HTTP rules', () => {
  const raw = (body: string, headers: Record<string, string> = {}) =>
    fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}`, ...headers }, body });

  it('refuses batched operations with a 400', async () => {
    const response = await raw(JSON.stringify([op.Workspace(), op.Workspace()]));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it('refuses a body over the limit with 413 and a coded GraphQL error', async () => {
    const response = await post(t.url, t.adminKey, { query: '{ workspace { id } }', variables: { pad: 'x'.repeat(3 * 1024 * 1024) } });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/json/);
    expect(codes(response)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(response.body.errors![0].message).toMatch(/larger than the limit/);
  });

  it('answers malformed JSON with 400, a clear message and a code', async () => {
    const response = await raw('{"query": "{ workspace { id } }"');
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(body.errors[0].message).toMatch(/not valid JSON/);
  });

  it('answers variable coercion failures with 400 BAD_USER_INPUT', async () => {
    const query = 'query ($first: Int!) { auditLog(first: $first) { edges { cursor } } }';
    for (const variables of [{ first: 'ten' }, {}, { first: null }]) {
      const response = await post(t.url, t.adminKey, { query, variables });
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0].message).toMatch(/\$first/);
    }
  });

  it('runs queries over GET with the preflight header, never mutations, and keeps CSRF prevention', async () => {
    const get = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${t.adminKey}`, ...headers } });
    const ok = await get('{ workspace { id } }', { 'apollo-require-preflight': 'true' });
    expect(ok.status).toBe(200);
    expect((await ok.json()).data.workspace.id).toBe(t.workspaceId);
    const mutation = await get('mutation { createApiKey(name: "over GET", role: ADMIN) { secret } }', { 'apollo-require-preflight': 'true' });
    expect(mutation.status).toBe(405);
    expect((await data(t.url, t.adminKey, op.ApiKeys())).apiKeys.map((k: { name: string }) => k.name)).not.toContain('over GET');
    const noPreflight = await get('{ workspace { id } }');
    expect(noPreflight.status).toBe(400);
    expect(await noPreflight.text()).toMatch(/CSRF/);
    const textPlain = await raw(JSON.stringify(op.Workspace()), { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(400);
  });

  it('serves introspection in tests and refuses it when turned off', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect((await data(t.url, t.adminKey, { query })).__schema.queryType.name).toBe('Query');
    const closed = await post(strict.url, strict.adminKey, { query });
    expect(closed.status).toBe(400);
    expect(codes(closed)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(closed.body.errors![0].message).toMatch(/introspection/i);
    expect(closed.body.data).toBeUndefined();
    expect((await data(strict.url, strict.adminKey, { query: '{ __typename }' })).__typename).toBe('Query');
  });
});

describe('WebSocket limits', () => {
  it('holds queries and subscriptions over WebSocket to the same limits', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const cases: [string, string, RegExp][] = [
      [`{ ${aliases(16)} }`, 'GRAPHQL_VALIDATION_FAILED', /aliases limit of 15/i],
      [`subscription { auditEntryAdded { ${aliases(16, 'id')} } }`, 'GRAPHQL_VALIDATION_FAILED', /aliases limit of 15/i],
      [`subscription { auditEntryAdded { ${directives(21, 'id')} } }`, 'GRAPHQL_VALIDATION_FAILED', /directives limit of 20/i],
      [tooManyTokens, 'GRAPHQL_PARSE_FAILED', /2000 tokens/],
      ['{ workspac { id } }', 'GRAPHQL_VALIDATION_FAILED', /^Cannot query field "workspac" on type "Query"\.$/],
    ];
    for (const [query, code, pattern] of cases) {
      const sub = collect(client, { query });
      await sub.waitFor(1);
      const errors = wsErrors(sub);
      expect(errors).toHaveLength(1);
      expect(errors[0].extensions?.code).toBe(code);
      expect(errors[0].message).toMatch(pattern);
    }
    const fine = collect(client, op.Workspace());
    await fine.waitFor(1);
    expect(fine.events[0].data?.workspace.id).toBe(t.workspaceId);
    await client.dispose();
  });

  it('holds WebSocket operations to the depth limit', async () => {
    const client = wsClient(strict.wsUrl, strict.adminKey);
    const deep = collect(client, { query: '{ customers { edges { node { id } } } }' });
    await deep.waitFor(1);
    expect(wsErrors(deep)[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(wsErrors(deep)[0].message).toMatch(/depth limit of 3/i);
    await client.dispose();
  });

  it('caps the subscriptions one socket holds; the earlier ones keep working', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const first = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(client, op.AuditEntryAdded()));
    const second = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(client, op.AuditEntryAdded()));
    const third = collect(client, op.AuditEntryAdded());
    await third.waitFor(1);
    expect(wsErrors(third)).toHaveLength(1);
    expect(wsErrors(third)[0].message).toMatch(/at most 2 subscriptions/);
    expect(wsErrors(third)[0].extensions?.code).toBe('BAD_USER_INPUT');
    await data(t.url, t.adminKey, op.CreateApiKey({ name: 'still live', role: 'AGENT' }));
    await Promise.all([first.waitFor(1), second.waitFor(1)]);
    expect(first.events[0].data?.auditEntryAdded.action).toBe('api_key.created');
    expect(second.events[0].data?.auditEntryAdded.action).toBe('api_key.created');
    expect([first.error, second.error]).toEqual([undefined, undefined]);
    // a completed subscription frees its place
    await t.unsubscribe('AUDIT_ENTRY_ADDED', first.dispose);
    const fourth = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(client, op.AuditEntryAdded()));
    await data(t.url, t.adminKey, op.CreateApiKey({ name: 'after a free place', role: 'AGENT' }));
    await fourth.waitFor(1);
    expect(fourth.error).toBeUndefined();
    expect(fourth.events[0].data?.auditEntryAdded.action).toBe('api_key.created');
    await client.dispose();
  });
});
