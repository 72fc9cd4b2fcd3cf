import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { gzipSync } from 'node:zlib';
import { Role } from '../../../src/graphql/enums';
import { codes, collect, data, post, wsClient } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('intake.graphql'), ...operations('customer.graphql'), ...operations('workspace.graphql'), ...operations('lifecycle.graphql') };
let t: TestServer;
let ingestKey: string;

beforeAll(async () => {
  t = await startTestServer();
  ingestKey = await t.addKey(Role.INGEST);
});
afterAll(() => t.stop());

const drained = (workspaceId = t.workspaceId) => t.server.intake!.drained(workspaceId);

/** A raw call of Segment's API, as curl would send it. */
async function send(path: string, body: unknown, headers: Record<string, string> = { authorization: basic(ingestKey) }) {
  const response = await fetch(`${t.baseUrl}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function customerOf(type: string, value: string) {
  const found = await data(t.url, t.adminKey, op.CustomerByIdentity({ type, value }));
  if (!found.customerByIdentity) return null;
  return (await data(t.url, t.adminKey, op.CustomerProfile({ id: found.customerByIdentity.id, events: 200 }))).customer;
}

describe("Segment's HTTP Tracking API through the real SDKs", () => {
  it('takes identify, track with revenue, page, alias and a flush of a hundred events from @segment/analytics-node', async () => {
    const analytics = new Analytics({ writeKey: ingestKey, host: t.baseUrl, flushAt: 20, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.identify({ userId: 'seg-user-1', anonymousId: 'seg-anon-1', traits: { email: 'Ada@Example.com', name: 'Ada Lovelace', plan: 'pro' } });
    analytics.track({ userId: 'seg-user-1', event: 'Order Completed', properties: { revenue: 42.5, orderId: 'o-1' } });
    analytics.page({ userId: 'seg-user-1', name: 'Pricing', properties: { path: '/pricing' } });
    analytics.alias({ userId: 'seg-user-1', previousId: 'seg-device-9' });
    for (let i = 0; i < 100; i++) analytics.track({ anonymousId: 'seg-anon-1', event: 'Product Viewed', properties: { sku: `sku-${i}` } });
    await analytics.closeAndFlush();
    expect(failures).toEqual([]);
    await drained();

    const customer = await customerOf('EXTERNAL_ID', 'seg-user-1');
    expect(customer.displayName).toBe('Ada Lovelace');
    expect(customer.traits).toMatchObject({ plan: 'pro' });
    expect(customer.totalSpend).toBe(42.5);
    expect(customer.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort()).toEqual([
      'ANONYMOUS_ID:seg-anon-1',
      'ANONYMOUS_ID:seg-device-9',
      'EMAIL:ada@example.com',
      'EXTERNAL_ID:seg-user-1',
    ]);
    const types = customer.events.edges.map((e: { node: { type: string } }) => e.node.type);
    expect(types.filter((type: string) => type === 'Product Viewed')).toHaveLength(100);
    expect(types).toEqual(expect.arrayContaining(['order_completed', 'page_viewed']));
    const page = customer.events.edges.find((e: { node: { type: string } }) => e.node.type === 'page_viewed').node;
    expect(page.properties).toMatchObject({ name: 'Pricing', path: '/pricing', _segment: { type: 'page' } });
    expect((await customerOf('ANONYMOUS_ID', 'seg-device-9')).id).toBe(customer.id);
  });

  it('takes the same from @rudderstack/rudder-sdk-node, gzipped', async () => {
    const rudder = new RudderAnalytics(ingestKey, { dataPlaneUrl: t.baseUrl, flushAt: 25, retryCount: 0, logLevel: 'error' });
    rudder.identify({ userId: 'rudder-1', traits: { email: 'grace@example.com', phone: '+14155550123' } });
    rudder.track({ userId: 'rudder-1', event: 'Order Completed', properties: { total: '19.99' } });
    rudder.page({ userId: 'rudder-1', name: 'Home' });
    rudder.alias({ userId: 'rudder-1', previousId: 'rudder-anon' });
    for (let i = 0; i < 100; i++) rudder.track({ userId: 'rudder-1', event: 'Scrolled', properties: { i } });
    await rudder.flush();
    await drained();

    const customer = await customerOf('PHONE', '+14155550123');
    expect(customer.totalSpend).toBe(19.99);
    expect(customer.identities.map((i: { type: string }) => i.type).sort()).toEqual(['ANONYMOUS_ID', 'EMAIL', 'EXTERNAL_ID', 'PHONE']);
    expect(customer.events.edges.filter((e: { node: { type: string } }) => e.node.type === 'Scrolled')).toHaveLength(100);
  });
});

describe("Segment's documented payloads, raw", () => {
  it('answers 200 {"success": true} to identify, track and batch as Segment documents them, and a resend changes nothing', async () => {
    const identify = {
      userId: '019mr8mf4r',
      traits: { email: 'pgibbons@example.com', name: 'Peter Gibbons', industry: 'Technology' },
      context: { ip: '24.5.68.47' },
      timestamp: '2012-12-02T00:30:08.276Z',
      messageId: 'doc-identify-1',
    };
    const track = {
      userId: '019mr8mf4r',
      event: 'Item Purchased',
      properties: { name: 'Leap to Conclusions Mat', revenue: 14.99 },
      context: { ip: '24.5.68.47' },
      timestamp: '2012-12-02T00:30:12.984Z',
      messageId: 'doc-track-1',
    };
    expect(await send('identify', identify)).toEqual({ status: 200, body: { success: true } });
    expect(await send('track', track)).toEqual({ status: 200, body: { success: true } });
    const batch = {
      batch: [
        {
          type: 'identify',
          userId: '019mr8mf4r',
          traits: { email: 'jake@example.com', name: 'Jake Peterson', age: 26 },
          timestamp: '2012-12-02T00:30:16.000Z',
          messageId: 'doc-b-1',
        },
        {
          type: 'track',
          userId: '019mr8mf4r',
          event: 'Song Played',
          properties: { name: 'Fallin for You', artist: 'Dierks Bentley' },
          timestamp: '2012-12-02T00:30:12.984Z',
          messageId: 'doc-b-2',
        },
      ],
      context: { device: { type: 'phone', name: 'Apple iPhone 6' } },
    };
    expect(await send('batch', batch)).toEqual({ status: 200, body: { success: true } });
    // the same calls again, with the write key in the body as analytics.js sends it
    expect(await send('batch', { ...batch, writeKey: ingestKey }, {})).toEqual({ status: 200, body: { success: true } });
    await drained();

    const customer = await customerOf('EXTERNAL_ID', '019mr8mf4r');
    expect(customer.displayName).toBe('Jake Peterson');
    const events = customer.events.edges.map((e: { node: { type: string; revenue: number | null } }) => e.node);
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual(['Item Purchased', 'Song Played', 'identify', 'identify']);
    expect(events.find((e: { type: string }) => e.type === 'Item Purchased').revenue).toBe(14.99);
    const [rows] = await t.sql(`select count(*)::int n from intake where workspace_id = ? and message_id like 'doc-%'`, [t.workspaceId]);
    expect(rows.n).toBe(0); // applied, so gone
  });

  it("corrects the client's clock from sentAt as Segment does, keeping originalTimestamp", async () => {
    const sentAt = new Date(Date.now() + 3_600_000).toISOString(); // the client's clock is an hour fast
    const original = new Date(Date.now() + 3_600_000 - 10_000).toISOString();
    await send('batch', { batch: [{ type: 'track', userId: 'clock-1', event: 'Clocked', timestamp: original, messageId: 'clock-1' }], sentAt });
    await drained();
    const event = (await customerOf('EXTERNAL_ID', 'clock-1')).events.edges[0].node;
    const skew = Date.now() - new Date(event.occurredAt).getTime();
    expect(skew).toBeGreaterThan(9_000);
    expect(skew).toBeLessThan(60_000);
    expect(event.properties._segment).toMatchObject({ originalTimestamp: original, sentAt });
  });

  it('refuses what Segment refuses with 400 and a code, and keys that may not write with 401 or 403', async () => {
    const refused = async (path: string, body: unknown, headers?: Record<string, string>) => {
      const { status, body: answer } = await send(path, body, headers);
      expect(answer).toMatchObject({ success: false, message: expect.any(String), code: expect.any(String) });
      expect(JSON.stringify(answer)).not.toMatch(/\n\s+at /);
      return [status, answer.reason];
    };
    expect(await refused('track', '{"userId": "x", ')).toEqual([400, 'INTAKE_NOT_JSON']);
    expect(await refused('track', { userId: 'x', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } })).toEqual([400, 'INTAKE_EVENT_TOO_LARGE']);
    const many = Array.from({ length: 20 }, (_, i) => ({
      type: 'track',
      userId: 'x',
      event: 'Big',
      properties: { blob: 'x'.repeat(30 * 1024) },
      messageId: `big-${i}`,
    }));
    expect(await refused('batch', { batch: many })).toEqual([400, 'INTAKE_REQUEST_TOO_LARGE']);
    expect(await refused('batch', { batch: 'nope' })).toEqual([400, 'INTAKE_BATCH_NOT_A_LIST']);
    expect(await refused('batch', { batch: [{ type: 'launch', userId: 'x' }] })).toEqual([400, 'INTAKE_UNKNOWN_TYPE']);
    expect((await refused('track', { userId: 'x', event: 'E' }, { authorization: basic('cdp_not_a_key') }))[0]).toBe(401);
    expect((await refused('track', { userId: 'x', event: 'E' }, {}))[0]).toBe(401);
    expect(await refused('track', { userId: 'x', event: 'E' }, { authorization: basic(await t.addKey(Role.AGENT)) })).toEqual([403, 'INTAKE_FORBIDDEN']);
    const [{ n }] = await t.sql(`select count(*)::int n from intake where workspace_id = ? and message_id like 'big-%'`, [t.workspaceId]);
    expect(n).toBe(0);
  });

  it('takes gzip, Bearer keys and the short paths analytics.js posts to', async () => {
    const body = gzipSync(JSON.stringify({ userId: 'short-1', event: 'Short', messageId: 'short-1' }));
    const response = await send('t', body, { authorization: `Bearer ${ingestKey}`, 'content-encoding': 'gzip', 'content-type': 'text/plain' });
    expect(response).toEqual({ status: 200, body: { success: true } });
    await drained();
    expect((await customerOf('EXTERNAL_ID', 'short-1')).events.edges[0].node.type).toBe('Short');
  });
});

describe('what the intake applies', () => {
  it('reaches subscribers as ingest does: a purchase sent to /v1 makes a NEW customer, and the lifecycle subscription hears it', async () => {
    const socket = wsClient(t.wsUrl, t.adminKey);
    const changes = await t.subscribe('LIFECYCLE_CHANGED', () => collect(socket, op.LifecycleChanges()));
    try {
      await send('track', { userId: 'live-intake', event: 'Order Completed', properties: { revenue: 120 }, messageId: 'live-intake-1' });
      await drained();
      const customer = await customerOf('EXTERNAL_ID', 'live-intake');
      const heard = await changes.until((e) => e.data?.customerLifecycle.customer.id === customer.id);
      expect(heard.data!.customerLifecycle.transition).toMatchObject({ from: null, to: 'NEW' });
      expect(customer.lifecycleStage).toBe('NEW');
    } finally {
      await socket.dispose();
    }
  });
});

describe('dead letters', () => {
  it('keeps what cannot be applied with its error, applies the rest, and retries on request', async () => {
    await send('batch', {
      batch: [
        { type: 'track', event: 'Nobody', messageId: 'dead-1' },
        { type: 'identify', userId: 'dead-ok', traits: { email: 'not an address' }, messageId: 'dead-2' },
        { type: 'track', userId: 'dead-ok-2', event: 'Fine', messageId: 'dead-3' },
      ],
    });
    await drained();
    expect(await customerOf('EXTERNAL_ID', 'dead-ok-2')).not.toBeNull();
    const failures = (await data(t.url, t.adminKey, op.IntakeFailures({ first: 10 }))).intakeFailures.edges.map((e: { node: any }) => e.node);
    const byMessage = Object.fromEntries(failures.map((f: { messageId: string; code: string }) => [f.messageId, f]));
    expect(byMessage['dead-1']).toMatchObject({ code: 'NO_IDENTIFIERS', attempts: 0 });
    expect(byMessage['dead-2']).toMatchObject({ code: 'INVALID_IDENTIFIER', attempts: 1, payload: { messageId: 'dead-2' } });
    expect(byMessage['dead-3']).toBeUndefined();

    const status = (await data(t.url, t.adminKey, op.IngestionStatus())).ingestionStatus;
    expect(status).toMatchObject({ backlog: 0, failed: failures.length });
    expect(status.appliedLastMinute).toBeGreaterThan(0);
    expect(status.acceptedLastMinute).toBeGreaterThanOrEqual(status.appliedLastMinute);

    // the identify fails again as it is; retried, it is tried again and counted
    expect((await data(t.url, t.adminKey, op.RetryIntake({ ids: [byMessage['dead-2'].id, '999999', 'junk'] }))).retryIntake).toEqual([byMessage['dead-2'].id]);
    await drained();
    const again = (await data(t.url, t.adminKey, op.IntakeFailures({ first: 10 }))).intakeFailures.edges.map((e: { node: any }) => e.node);
    expect(again.find((f: { messageId: string }) => f.messageId === 'dead-2')).toMatchObject({ code: 'INVALID_IDENTIFIER', attempts: 2 });
  });
});

describe('access', () => {
  it('shows the status and dead letters to ADMIN and ANALYST (masked) only, each its own workspace', async () => {
    const analyst = await t.addKey(Role.ANALYST);
    const analystView = (await data(t.url, analyst, op.IntakeFailures({ first: 50 }))).intakeFailures.edges.map((e: { node: any }) => e.node);
    const dead = analystView.find((f: { messageId: string }) => f.messageId === 'dead-2');
    expect(JSON.stringify(dead.payload)).not.toContain('not an address');
    for (const role of [Role.MARKETER, Role.AGENT, Role.INGEST]) {
      expect(codes(await post(t.url, await t.addKey(role), op.IngestionStatus()))).toEqual(['FORBIDDEN']);
    }
    expect(codes(await post(t.url, analyst, op.RetryIntake({ ids: ['1'] })))).toEqual(['FORBIDDEN']);
    const other = await t.addWorkspace('intake elsewhere');
    const elsewhere = (await data(t.url, other.adminKey, op.IngestionStatus())).ingestionStatus;
    expect(elsewhere).toMatchObject({ backlog: 0, failed: 0, acceptedLastMinute: 0 });
    expect((await data(t.url, other.adminKey, op.IntakeFailures({ first: 10 }))).intakeFailures.edges).toEqual([]);
  });
});

describe('erasure', () => {
  it('leaves nothing of an erased customer in the intake, and refuses its identifiers afterwards as SUPPRESSED', async () => {
    await send('batch', {
      batch: [
        { type: 'identify', userId: 'erase-me', traits: { email: 'erase@example.com' }, messageId: 'erase-1' },
        { type: 'identify', userId: 'erase-me', traits: { email: 'not an address either' }, messageId: 'erase-2' },
      ],
    });
    await drained();
    const customer = await customerOf('EXTERNAL_ID', 'erase-me');
    const [{ n: before }] = await t.sql(`select count(*)::int n from intake where workspace_id = ? and keys && array['EXTERNAL_ID:erase-me']`, [t.workspaceId]);
    expect(before).toBe(1); // the dead letter; applied rows are gone
    await data(t.url, t.adminKey, { query: 'mutation($id: ID!) { eraseCustomer(id: $id) }', variables: { id: customer.id } });
    const [{ n: after }] = await t.sql(
      `select count(*)::int n from intake where workspace_id = ? and (keys && array['EXTERNAL_ID:erase-me'] or item::text like '%erase%')`,
      [t.workspaceId],
    );
    expect(after).toBe(0);

    await send('track', { userId: 'erase-me', event: 'Back again', messageId: 'erase-3' });
    await drained();
    const [row] = await t.sql(`select error_code, item, keys from intake where workspace_id = ? and message_id = 'erase-3'`, [t.workspaceId]);
    expect(row).toEqual({ error_code: 'SUPPRESSED', item: null, keys: [] });
  });
});

describe('figures', () => {
  it('puts the status on /metrics, per workspace, and drops NUL characters PostgreSQL cannot store', async () => {
    expect(await send('track', { userId: 'nul-1', event: 'Nul', properties: { note: 'a\u0000b' }, messageId: 'nul-1' })).toEqual({
      status: 200,
      body: { success: true },
    });
    await drained();
    expect((await customerOf('EXTERNAL_ID', 'nul-1')).events.edges[0].node.properties).toMatchObject({ note: 'ab' });
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const status = (await data(t.url, t.adminKey, op.IngestionStatus())).ingestionStatus;
    expect(metrics).toContain(`cdp_intake_backlog{workspace="${t.workspaceId}"} 0`);
    expect(metrics).toContain(`cdp_intake_failed{workspace="${t.workspaceId}"} ${status.failed}`);
    expect(metrics).toMatch(new RegExp(`cdp_intake_applied_last_minute\\{workspace="${t.workspaceId}"\\} [1-9]`));
  });
});
