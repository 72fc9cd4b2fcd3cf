import { Role } from '../../../src/graphql/enums';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('workspace.graphql');
let t: TestServer;
let b: { workspaceId: string; adminKey: string };

beforeAll(async () => {
  t = await startTestServer();
  b = await t.addWorkspace('Workspace B');
});
afterAll(() => t.stop());

/** Resolves with the close code of a socket the server closes. */
function closeCode(key: string | undefined, operation = op.AuditEntryAdded()): Promise<number> {
  return new Promise((resolve) => {
    const client = wsClient(t.wsUrl, key, (code) => resolve(code));
    client.subscribe(operation, { next: () => {}, error: () => {}, complete: () => {} });
  });
}

describe('authentication', () => {
  it.each([
    ['no key', {}],
    ['a malformed header', { authorization: 'Token abc' }],
    ['an unknown key', { authorization: 'Bearer cdp_doesnotexistdoesnotexistdoesnotexist' }],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_label, headers) => {
    const response = await post(t.url, undefined, op.Workspace(), headers);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(response.body)).not.toMatch(/stack|at .*\.ts/);
  });

  it('closes a WebSocket without a key, or with a bad one, with 4403', async () => {
    expect(await closeCode(undefined)).toBe(4403);
    expect(await closeCode('cdp_doesnotexistdoesnotexistdoesnotexist')).toBe(4403);
  });

  it('closes the open sockets of a revoked key at once and refuses it afterwards', async () => {
    const secret = await t.addKey(Role.ANALYST);
    // wrapped: awaiting the subscription must not await the close itself
    const { closed } = await t.subscribe('AUDIT_ENTRY_ADDED', () => ({ closed: closeCode(secret) }));
    await data(t.url, t.adminKey, op.RevokeApiKey({ id: await keyIdOf(secret) }));
    expect(await closed).toBe(4403);
    expect(await closeCode(secret)).toBe(4403);
    expect(codes(await post(t.url, secret, op.Workspace()))).toEqual(['UNAUTHENTICATED']);
  });
});

async function keyIdOf(secret: string): Promise<string> {
  const { apiKeys } = await data(t.url, t.adminKey, op.ApiKeys());
  return apiKeys.find((key: { prefix: string }) => secret.startsWith(key.prefix)).id;
}

describe('roles', () => {
  const cases: [string, Role[], ReturnType<typeof op.Workspace>][] = [
    ['updateWorkspaceSettings', [Role.ADMIN], op.UpdateWorkspaceSettings({ input: { newCustomerDays: 30 } })],
    ['apiKeys', [Role.ADMIN], op.ApiKeys()],
    ['createApiKey', [Role.ADMIN], op.CreateApiKey({ name: 'x', role: 'ADMIN' })],
    ['auditLog', [Role.ADMIN, Role.ANALYST], op.AuditLog({ first: 1 })],
    ['workspace', [Role.ADMIN, Role.AGENT, Role.MARKETER, Role.ANALYST, Role.INGEST], op.Workspace()],
  ];
  const roles = [Role.AGENT, Role.MARKETER, Role.ANALYST, Role.INGEST];

  it.each(cases)('%s is for %j only; other roles get FORBIDDEN and change nothing', async (_name, allowed, operation) => {
    for (const role of roles) {
      const key = await t.addKey(role);
      const response = await post(t.url, key, operation);
      if (allowed.includes(role)) expect({ role, errors: response.body.errors }).toEqual({ role, errors: undefined });
      else expect({ role, codes: codes(response) }).toEqual({ role, codes: ['FORBIDDEN'] });
    }
    const { workspace } = await data(t.url, t.adminKey, op.Workspace());
    expect(workspace.settings.newCustomerDays).toBe(90);
  });

  it('refuses a forbidden subscription over WebSocket with FORBIDDEN', async () => {
    const client = wsClient(t.wsUrl, await t.addKey(Role.AGENT));
    const sub = collect(client, op.AuditEntryAdded());
    await sub.waitFor(1);
    expect(sub.events[0]?.errors?.map((e) => e.extensions?.code) ?? (sub.error as { extensions?: { code: string } }[])?.map((e) => e.extensions?.code)).toEqual(
      ['FORBIDDEN'],
    );
    await client.dispose();
  });
});

describe('workspace isolation', () => {
  it("never shows workspace A's keys, audit entries or nodes to workspace B", async () => {
    const { createApiKey } = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'A only', role: 'AGENT' }));
    const { apiKeys } = await data(t.url, b.adminKey, op.ApiKeys());
    expect(apiKeys.map((k: { name: string }) => k.name)).toEqual(['admin']);
    const { auditLog } = await data(t.url, b.adminKey, op.AuditLog({ first: 500 }));
    expect(auditLog.edges.every((e: { node: { subjectId: string } }) => e.node.subjectId !== createApiKey.apiKey.id)).toBe(true);
    expect((await data(t.url, b.adminKey, op.Node({ id: createApiKey.apiKey.id }))).node).toBeNull();
    expect((await data(t.url, b.adminKey, op.Node({ id: t.workspaceId }))).node).toBeNull();
    expect(codes(await post(t.url, b.adminKey, op.RevokeApiKey({ id: createApiKey.apiKey.id })))).toEqual(['NOT_FOUND']);
    expect((await data(t.url, b.adminKey, op.Workspace())).workspace.id).toBe(b.workspaceId);
  });

  it("delivers workspace A's live audit events to A's subscribers only", async () => {
    const clientA = wsClient(t.wsUrl, t.adminKey);
    const clientB = wsClient(t.wsUrl, b.adminKey);
    const subA = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(clientA, op.AuditEntryAdded()));
    const subB = await t.subscribe('AUDIT_ENTRY_ADDED', () => collect(clientB, op.AuditEntryAdded()));
    const inA = (await data(t.url, t.adminKey, op.CreateApiKey({ name: 'live in A', role: 'AGENT' }))).createApiKey.apiKey.id;
    const inB = (await data(t.url, b.adminKey, op.CreateApiKey({ name: 'live in B', role: 'AGENT' }))).createApiKey.apiKey.id;
    // each subscriber's own entry comes after anything it could have had from the other workspace
    const marker = (await data(t.url, t.adminKey, op.CreateApiKey({ name: 'marker in A', role: 'AGENT' }))).createApiKey.apiKey.id;
    const upTo = async (sub: typeof subA, id: string) =>
      sub.events.slice(0, sub.events.indexOf(await sub.until((e) => e.data?.auditEntryAdded.subjectId === id)) + 1);
    const seenA = await upTo(subA, marker);
    const seenB = await upTo(subB, inB);
    expect(seenA.map((e) => e.data?.auditEntryAdded.subjectId)).toEqual([inA, marker]);
    expect(seenB.map((e) => e.data?.auditEntryAdded.subjectId)).toEqual([inB]);
    expect(subA.events.map((e) => e.data?.auditEntryAdded.action)).toEqual(['api_key.created', 'api_key.created']);
    expect(subB.events).toHaveLength(1);
    const idsA = subA.events.map((e) => e.data?.auditEntryAdded.subjectId);
    const idsB = subB.events.map((e) => e.data?.auditEntryAdded.subjectId);
    expect(idsA.some((id) => idsB.includes(id))).toBe(false);
    await clientA.dispose();
    await clientB.dispose();
  });
});
