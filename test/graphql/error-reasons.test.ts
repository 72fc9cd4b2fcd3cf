import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '../../src/graphql/enums';
import { collect, post, wsClient, type GraphQLResponse } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = { ...operations('segment.graphql'), ...operations('ingest.graphql'), ...operations('workspace.graphql') };
let t: TestServer;

const reasons = (response: GraphQLResponse) => (response.body.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.reason]);

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('errors carry a stable extensions.reason beside code', () => {
  it("a module's refusal, over HTTP", async () => {
    const created = await post(t.url, t.adminKey, op.CreateSegment({ input: { name: 'Hand-picked', kind: 'STATIC' } }));
    const refresh = await post(t.url, t.adminKey, op.RefreshSegment({ id: created.body.data.createSegment.id }));
    expect(reasons(refresh)).toEqual([['BAD_USER_INPUT', 'SEGMENT_STATIC_NOT_REFRESHABLE']]);
    expect(refresh.body.errors![0]).toMatchObject({ message: 'a STATIC segment has no rule to refresh', extensions: { field: 'id' } });
  });

  it('the input guard, cursors, an identifier refused, a missing key and a role', async () => {
    const nul = await post(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: 'a@r.test' }], traits: { city: 'a\u0000b' } }));
    expect(nul.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INPUT_HOLDS_NUL', argument: 'traits.city' });
    const cursor = await post(t.url, t.adminKey, { query: 'query($after: String) { customers(after: $after) { totalCount } }', variables: { after: 'nope' } });
    expect(reasons(cursor)).toEqual([['BAD_USER_INPUT', 'CURSOR_INVALID']]);
    const email = await post(t.url, t.adminKey, op.Identify({ identifiers: [{ type: 'EMAIL', value: 'not-an-address' }] }));
    expect(reasons(email)).toEqual([['BAD_USER_INPUT', 'INVALID_IDENTIFIER']]);
    const anonymous = await post(t.url, undefined, op.Identify({ identifiers: [{ type: 'EMAIL', value: 'a@r.test' }] }));
    expect([anonymous.status, reasons(anonymous)]).toEqual([401, [['UNAUTHENTICATED', 'API_KEY_REQUIRED']]]);
    const marketer = await post(t.url, await t.addKey(Role.MARKETER), op.CreateApiKey({ name: 'more', role: 'ADMIN' }));
    expect(reasons(marketer)).toEqual([['FORBIDDEN', 'ROLE_MAY_NOT']]);
  });

  it('over WebSocket and from the CSV export', async () => {
    const client = wsClient(t.wsUrl, t.adminKey);
    const feed = collect(client, op.SegmentMembership({ segmentId: '00000000-0000-4000-8000-000000000000' }));
    await feed.waitFor(1);
    const [refusal] = (feed.error as { extensions?: unknown }[] | undefined) ?? feed.events[0].errors!;
    expect(refusal.extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'SEGMENT_NOT_FOUND' });
    await client.dispose();
    const response = await fetch(`${t.baseUrl}/segments/00000000-0000-4000-8000-000000000000/export.csv?traits=a;b`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect([response.status, (await response.json()).errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', reason: 'SEGMENT_EXPORT_TRAITS_INVALID' }]);
  });
});

describe('the reasons', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)]));
  const errorFiles = sources(join(__dirname, '../../src')).filter((file) => file.endsWith('.errors.ts'));
  const calls = errorFiles.flatMap((file) => [
    ...readFileSync(file, 'utf8').matchAll(
      /\b(?:badInput|badRequest|notFound|conflict|forbidden|unauthenticated|unavailable)\(\s*([^,]+),|\bnew AppError\([^,]+,\s*([^,]+),/g,
    ),
  ]);

  it('are written once each, as SCREAMING_SNAKE_CASE literals', () => {
    const written = calls.map((call) => (call[1] ?? call[2]).trim());
    // the one exception: a refused ingestion item keeps the code `ingest` reports for it
    expect(written.filter((reason) => !/^'[A-Z][A-Z0-9_]*'$/.test(reason))).toEqual(['item.code as ErrorReason']);
    const literals = written.filter((reason) => reason.startsWith("'"));
    expect(literals.length).toBeGreaterThan(80);
    expect(literals.filter((reason, index) => literals.indexOf(reason) !== index)).toEqual([]);
  });
});
