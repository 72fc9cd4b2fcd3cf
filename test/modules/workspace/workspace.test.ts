import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';
import { sqlStatements } from '../../support/sql-count';

const op = operations('workspace.graphql');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('workspace', () => {
  it('answers with the workspace of the key and the default settings', async () => {
    const { workspace } = await data(t.url, t.adminKey, op.Workspace());
    expect(workspace).toMatchObject({
      id: t.workspaceId,
      name: 'Workspace A',
      settings: {
        highValueAnnualSpend: 100000,
        mediumValueAnnualSpend: 10000,
        newCustomerDays: 90,
        atRiskAfterDays: 60,
        churnedAfterDays: 180,
        timezone: 'Asia/Shanghai',
        defaultPhoneRegion: 'CN',
      },
    });
    expect(new Date(workspace.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('updates settings, keeps the others, and writes an audit entry in the same transaction', async () => {
    const { updateWorkspaceSettings } = await data(
      t.url,
      t.adminKey,
      op.UpdateWorkspaceSettings({ input: { highValueAnnualSpend: 50000, atRiskAfterDays: 45 } }),
    );
    expect(updateWorkspaceSettings.settings).toMatchObject({
      highValueAnnualSpend: 50000,
      mediumValueAnnualSpend: 10000,
      atRiskAfterDays: 45,
      churnedAfterDays: 180,
    });
    const { auditLog } = await data(t.url, t.adminKey, op.AuditLog({ first: 1, subjectId: t.workspaceId }));
    expect(auditLog.edges[0].node).toMatchObject({
      action: 'workspace.settings_updated',
      subjectType: 'Workspace',
      details: { changes: { highValueAnnualSpend: 50000, atRiskAfterDays: 45 } },
    });
  });

  it.each([
    [{ highValueAnnualSpend: 5000 }, 'highValueAnnualSpend'],
    [{ churnedAfterDays: 10 }, 'churnedAfterDays'],
    [{ newCustomerDays: 0 }, 'newCustomerDays'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ defaultPhoneRegion: 'china' }, 'defaultPhoneRegion'],
  ])('refuses invalid settings %j with BAD_USER_INPUT and changes nothing', async (input, field) => {
    const before = await data(t.url, t.adminKey, op.Workspace());
    const response = await post(t.url, t.adminKey, op.UpdateWorkspaceSettings({ input }));
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0].extensions).toMatchObject({ field });
    expect(await data(t.url, t.adminKey, op.Workspace())).toEqual(before);
  });

  it('refuses a variable of the wrong type with a 400', async () => {
    const response = await post(t.url, t.adminKey, op.UpdateWorkspaceSettings({ input: { newCustomerDays: 'ninety' } }));
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0].message).toMatch(/newCustomerDays/);
  });
});

describe('API keys', () => {
  it('creates a key whose secret is shown once and works, stored only as a hash', async () => {
    const { createApiKey } = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'support floor', role: 'AGENT' }));
    expect(createApiKey.secret).toMatch(/^cdp_[\w-]{43}$/);
    expect(createApiKey.apiKey).toMatchObject({ name: 'support floor', role: 'AGENT', prefix: createApiKey.secret.slice(0, 12) });
    const rows = await t.orm.em.getConnection().execute(`select * from api_key where id = ?`, [createApiKey.apiKey.id]);
    expect(JSON.stringify(rows)).not.toContain(createApiKey.secret);
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const { workspace } = await data(t.url, createApiKey.secret, op.Workspace());
    expect(workspace.id).toBe(t.workspaceId);
    const { apiKeys } = await data(t.url, t.adminKey, op.ApiKeys());
    expect(apiKeys.map((k: { name: string }) => k.name)).toEqual(['admin', 'support floor']);
  });

  it('revokes a key: it stops working at once and the revocation is audited', async () => {
    const { createApiKey } = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'temp', role: 'MARKETER' }));
    await data(t.url, createApiKey.secret, op.Workspace());
    const { revokeApiKey } = await data(t.url, t.adminKey, op.RevokeApiKey({ id: createApiKey.apiKey.id }));
    expect(revokeApiKey.revokedAt).toBeTruthy();
    const refused = await post(t.url, createApiKey.secret, op.Workspace());
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    const { auditLog } = await data(t.url, t.adminKey, op.AuditLog({ first: 5, subjectId: createApiKey.apiKey.id }));
    expect(auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual(['api_key.revoked', 'api_key.created']);
  });

  it('answers NOT_FOUND for an unknown key id and BAD_USER_INPUT for a bad role', async () => {
    expect(codes(await post(t.url, t.adminKey, op.RevokeApiKey({ id: '01a205d7-4912-7722-b4ea-47a6f5f182ff' })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, t.adminKey, op.RevokeApiKey({ id: 'not-an-id' })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, t.adminKey, op.CreateApiKey({ name: 'x', role: 'OWNER' })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.CreateApiKey({ name: '  ', role: 'ADMIN' })))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('audit log and connections', () => {
  it('pages newest first with opaque cursors, in a bounded number of statements', async () => {
    for (let i = 0; i < 7; i++) await data(t.url, t.adminKey, op.CreateApiKey({ name: `page ${i}`, role: 'ANALYST' }));
    const first = await post(t.url, t.adminKey, op.AuditLog({ first: 3 }));
    const page1 = first.body.data!.auditLog;
    expect(page1.edges).toHaveLength(3);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page1.edges[0].node.details).toMatchObject({ name: 'page 6' });
    const page2 = (await data(t.url, t.adminKey, op.AuditLog({ first: 3, after: page1.pageInfo.endCursor }))).auditLog;
    expect(page2.edges[0].node.details).toMatchObject({ name: 'page 3' });
    expect(page2.pageInfo.hasPreviousPage).toBe(true);
    const ids = [...page1.edges, ...page2.edges].map((e: { node: { id: string } }) => e.node.id);
    expect(new Set(ids).size).toBe(6);
    const big = await post(t.url, t.adminKey, op.AuditLog({ first: 500 }));
    expect(sqlStatements(big)).toBeLessThanOrEqual(sqlStatements(first));
  });

  it('caps first at 500 and rejects a forged cursor', async () => {
    const tooMany = await post(t.url, t.adminKey, op.AuditLog({ first: 501 }));
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.body.errors![0].message).toMatch(/first must be between 0 and 500/);
    expect(codes(await post(t.url, t.adminKey, op.AuditLog({ first: 1, after: 'garbage!' })))).toEqual(['BAD_USER_INPUT']);
  });

  it('fetches any node of the workspace by id and nothing else', async () => {
    const { apiKeys } = await data(t.url, t.adminKey, op.ApiKeys());
    const { node } = await data(t.url, t.adminKey, op.Node({ id: apiKeys[0].id }));
    expect(node).toEqual({ id: apiKeys[0].id, __typename: 'ApiKey', name: 'admin', role: 'ADMIN' });
    expect((await data(t.url, t.adminKey, op.Node({ id: t.workspaceId }))).node).toMatchObject({ __typename: 'Workspace', name: 'Workspace A' });
    expect((await data(t.url, t.adminKey, op.Node({ id: 'nope' }))).node).toBeNull();
  });
});
