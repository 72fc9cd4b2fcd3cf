import { codes, data, post } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const op = operations('workspace.graphql');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('health and metrics', () => {
  it('answers /healthz and /readyz with JSON', async () => {
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'up' });
  });

  it('serves Prometheus metrics: operations by name, durations, errors by code, WebSockets', async () => {
    await data(t.url, t.adminKey, op.Workspace());
    await post(t.url, 'cdp_wrongwrongwrongwrongwrong', op.Workspace());
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/cdp_graphql_operations_total\{operation="Workspace",type="query",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/cdp_graphql_operation_duration_seconds_count\{operation="Workspace",type="query"\} [1-9]/);
    expect(text).toMatch(/cdp_graphql_errors_total\{code="UNAUTHENTICATED"\} [1-9]/);
    expect(text).toMatch(/cdp_websocket_connections 0/);
  });
});

describe('unexpected errors', () => {
  it('are logged and masked as INTERNAL_SERVER_ERROR with the request id, never a stack trace', async () => {
    await t.orm.em.getConnection().execute('alter table workspace rename column name to name_moved');
    try {
      const response = await post(t.url, t.adminKey, op.Workspace(), { 'x-request-id': 'trace-me-42' });
      expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      const [error] = response.body.errors!;
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'trace-me-42' });
      expect(error.message).toContain('trace-me-42');
      expect(JSON.stringify(response.body)).not.toMatch(/name_moved|does not exist|non-nullable|stack|\.ts:\d+/);
      expect(response.headers.get('x-request-id')).toBe('trace-me-42');
    } finally {
      await t.orm.em.getConnection().execute('alter table workspace rename column name_moved to name');
    }
    expect((await data(t.url, t.adminKey, op.Workspace())).workspace.name).toBe('Workspace A');
  });

  it('gives every response a request id', async () => {
    const response = await post(t.url, t.adminKey, op.Workspace());
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('operations settings', () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ config: { metricsToken: 'metrics-token-for-tests', corsOrigins: ['https://app.example.com'] } });
  });
  afterAll(() => guarded.stop());

  it('keeps /metrics open without CDP_METRICS_TOKEN, and behind its bearer token with it', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(200);
    const refused = await fetch(`${guarded.baseUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${guarded.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests-not' } })).status).toBe(401);
    const allowed = await fetch(`${guarded.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/cdp_websocket_connections/);
  });

  it('answers CORS for any origin by default, and only for CDP_CORS_ORIGINS when set', async () => {
    const preflight = (baseUrl: string, origin: string) =>
      fetch(`${baseUrl}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    expect((await preflight(t.baseUrl, 'https://anywhere.example')).headers.get('access-control-allow-origin')).toBe('*');
    const listed = await preflight(guarded.baseUrl, 'https://app.example.com');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(listed.headers.get('vary')).toMatch(/Origin/);
    expect((await preflight(guarded.baseUrl, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
