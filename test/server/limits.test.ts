import { loadConfig } from '../../src/config';
import { codes, collect, data, post, wsClient } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = operations('workspace.graphql');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ config: { limits: { ...loadConfig().limits, subscriptionsPerSocket: 2 } } });
  await data(t.url, t.adminKey, op.Workspace()); // warms the key cache: a refused query then sends no SQL
});
afterAll(() => t.stop());

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: workspace { id }`).join(' ')} }`;

async function expectRefused(query: string, pattern: RegExp) {
  const response = await post(t.url, t.adminKey, { query });
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(codes(response)[0]).toMatch(/GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED|BAD_REQUEST/);
  expect(response.body.errors![0].message).toMatch(pattern);
  expect(response.body.data).toBeUndefined();
  expect(response.body.extensions?.sqlStatements ?? 0).toBe(0);
  expect((await data(t.url, t.adminKey, op.Workspace())).workspace.id).toBe(t.workspaceId);
}

describe('query limits', () => {
  it('refuses too many aliases', () => expectRefused(aliases(16), /aliases/i));
  it('refuses too many tokens', () => expectRefused(`{ workspace { ${'id '.repeat(2100)} } }`, /token/i));
  it('refuses too many directives', () => expectRefused(`{ workspace { id ${'@include(if: true) '.repeat(25)} } }`, /directive/i));
  it('refuses too costly a query', async () => {
    const costly = `{ ${Array.from({ length: 14 }, (_, i) => `a${i}: customers(first: 500) { edges { node { identities { id type value } events { edges { node { id type } } } } } }`).join(' ')} }`;
    await expectRefused(costly, /cost/i);
  });
  it('refuses depth beyond the limit', async () => {
    const deep = await startTestServer({ config: { limits: { ...loadConfig().limits, maxDepth: 3 } } });
    try {
      const response = await post(deep.url, deep.adminKey, { query: '{ customers { edges { node { identities { id } } } } }' });
      expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.body.errors![0].message).toMatch(/depth/i);
    } finally {
      await deep.stop();
    }
  });
});

describe('HTTP rules', () => {
  it('refuses batched operations', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
      body: JSON.stringify([op.Workspace(), op.Workspace()]),
    });
    expect(response.status).toBe(400);
  });

  it('refuses a body over the limit with 413 and a coded error', async () => {
    const response = await post(t.url, t.adminKey, { query: '{ workspace { id } }', variables: { pad: 'x'.repeat(3 * 1024 * 1024) } });
    expect(response.status).toBe(413);
    expect(codes(response)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('answers malformed JSON with 400 and a clear message', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body: '{"query": "{ workspace { id } }"' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(body.errors[0].message).toMatch(/not valid JSON/);
  });

  it('gives no field suggestions', async () => {
    const response = await post(t.url, t.adminKey, { query: '{ workspac { id } }' });
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0].message).not.toMatch(/Did you mean/);
  });

  it('refuses mutations over GET, and GET without the CSRF preflight header', async () => {
    const get = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${t.adminKey}`, ...headers } });
    expect((await get('{ workspace { id } }', { 'apollo-require-preflight': 'true' })).status).toBe(200);
    expect((await get('{ workspace { id } }')).status).toBe(400);
    const mutation = await get('mutation { revokeApiKey(id: "x") { id } }', { 'apollo-require-preflight': 'true' });
    expect(mutation.status).toBe(405);
    const form = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${t.adminKey}` }, body: JSON.stringify(op.Workspace()) });
    expect(form.status).toBe(400);
  });

  it('serves introspection here and hides it when turned off', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect((await data(t.url, t.adminKey, { query })).__schema.queryType.name).toBe('Query');
    const closed = await startTestServer({ config: { introspection: false } });
    try {
      expect(codes(await post(closed.url, closed.adminKey, { query }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    } finally {
      await closed.stop();
    }
  });
});

describe('WebSocket limits', () => {
  it('holds operations over WebSocket to the same limits', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const sub = collect(client, { query: aliases(16) });
    await sub.waitFor(1);
    const errors = (sub.error ?? sub.events[0]?.errors) as { message: string; extensions?: { code: string } }[];
    expect(errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors[0].message).toMatch(/aliases/i);
    const tokens = collect(client, { query: `{ workspace { ${'id '.repeat(2100)} } }` });
    await tokens.waitFor(1);
    expect(((tokens.error ?? tokens.events[0]?.errors) as { extensions?: { code: string } }[])[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const fine = collect(client, op.Workspace());
    await fine.waitFor(1);
    expect(fine.events[0].data?.workspace.id).toBe(t.workspaceId);
    await client.dispose();
  });

  it('caps the subscriptions one socket may hold', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const first = collect(client, op.AuditEntryAdded());
    const second = collect(client, op.AuditEntryAdded());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = collect(client, op.AuditEntryAdded());
    await third.waitFor(1);
    expect(((third.error ?? third.events[0]?.errors) as { message: string }[])[0].message).toMatch(/at most 2 subscriptions/);
    await data(t.url, t.adminKey, op.CreateApiKey({ name: 'still live', role: 'AGENT' }));
    await first.waitFor(1);
    await second.waitFor(1);
    expect(first.events[0].data?.auditEntryAdded.action).toBe('api_key.created');
    await client.dispose();
  });
});
