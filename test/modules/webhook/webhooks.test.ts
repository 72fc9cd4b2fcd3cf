import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Role } from '../../../src/graphql/enums';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('webhook.graphql');
const clock = new TestClock('2026-07-01T00:00:00Z');
let t: TestServer;

/** A receiver on the loopback answering with the statuses given in turn (then 200), keeping what it got. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
let answers: number[] = [];
const received: Received[] = [];
let receiver: http.Server;
let url: string;

beforeAll(async () => {
  t = await startTestServer({ clock });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await t.stop();
});

const create = async (key = t.adminKey) =>
  (await data(t.url, key, op.CreateWebhook({ input: { url, topics: ['SEGMENT_MEMBERSHIP', 'CARE_TASK_DUE'] } }))).createWebhook;
const later = (seconds: number) => clock.set(new Date(clock.now().getTime() + seconds * 1000).toISOString());

describe('webhooks', () => {
  it('refuses private addresses unless the workspace allows them, other schemes, and roles other than ADMIN', async () => {
    const refused = await post(t.url, t.adminKey, op.CreateWebhook({ input: { url, topics: ['CARE_TASK_DUE'] } }));
    expect(refused.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'WEBHOOK_URL_PRIVATE', field: 'url' });
    for (const bad of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/'])
      expect((await post(t.url, t.adminKey, op.CreateWebhook({ input: { url: bad, topics: ['CARE_TASK_DUE'] } }))).body.errors?.[0].extensions?.reason).toBe(
        'WEBHOOK_URL_INVALID',
      );
    for (const metadata of ['http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://10.1.2.3/'])
      expect(
        (await post(t.url, t.adminKey, op.CreateWebhook({ input: { url: metadata, topics: ['CARE_TASK_DUE'] } }))).body.errors?.[0].extensions?.reason,
      ).toBe('WEBHOOK_URL_PRIVATE');
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.CreateWebhook({ input: { url, topics: ['CARE_TASK_DUE'] } })))).toEqual(['FORBIDDEN']);
    await data(t.url, t.adminKey, op.AllowPrivateWebhooks({ allow: true }));
    const { secret, webhook } = await create();
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url, topics: ['SEGMENT_MEMBERSHIP', 'CARE_TASK_DUE'], active: true, failures: 0 });
    const [stored] = await t.sql(`select secret_sealed from webhook where id = ?`, [webhook.id]);
    expect(stored.secret_sealed).not.toContain(secret.slice(6));
    const empty = await post(t.url, t.adminKey, op.CreateWebhook({ input: { url, topics: [] } }));
    expect(empty.body.errors?.[0].extensions?.reason).toBe('WEBHOOK_TOPICS_EMPTY');
  });

  it('signs a ping with the documented recipe: HMAC-SHA256 of "<t>.<body>" with the secret', async () => {
    const { secret, webhook } = await create();
    const before = received.length;
    const delivery = (await data(t.url, t.adminKey, op.TestWebhook({ id: webhook.id }))).testWebhook;
    expect(delivery).toMatchObject({ topic: 'PING', status: 'DELIVERED', attempts: 1, responseStatus: 200, error: null });
    const got = received[before];
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ id: delivery.id, type: 'PING', workspaceId: t.workspaceId, data: { webhookId: webhook.id } });
    expect(got.headers['x-cdp-event-id']).toBe(delivery.id);
    const [, timestamp, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(got.headers['x-cdp-signature']))!;
    expect(timestamp).toBe(got.headers['x-cdp-timestamp']);
    expect(v1).toBe(createHmac('sha256', secret).update(`${timestamp}.${got.body}`).digest('hex'));
  });

  it('retries a 5xx with back-off until it is delivered, with the same event id; a 4xx fails at once', async () => {
    const { webhook } = await create();
    const before = received.length;
    answers = [500, 503];
    const first = (await data(t.url, t.adminKey, op.TestWebhook({ id: webhook.id }))).testWebhook;
    expect(first).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: 500 });
    const wait = (Date.parse(first.nextAttemptAt) - clock.now().getTime()) / 1000;
    expect(wait).toBeGreaterThanOrEqual(30);
    expect(wait).toBeLessThanOrEqual(36);
    await t.server.jobs.runNow('webhook_deliveries'); // not due yet
    expect(received.length).toBe(before + 1);
    later(40);
    await t.server.jobs.runNow('webhook_deliveries');
    later(80);
    await t.server.jobs.runNow('webhook_deliveries');
    const ids = received.slice(before).map((r) => r.headers['x-cdp-event-id']);
    expect(ids).toEqual([first.id, first.id, first.id]);
    const listed = (await data(t.url, t.adminKey, op.Webhooks())).webhooks.find((w: { id: string }) => w.id === webhook.id);
    expect(listed.deliveries.edges[0].node).toMatchObject({ id: first.id, status: 'DELIVERED', attempts: 3, responseStatus: 200 });

    answers = [404];
    const refused = (await data(t.url, t.adminKey, op.TestWebhook({ id: webhook.id }))).testWebhook;
    expect(refused).toMatchObject({ status: 'FAILED', attempts: 1, responseStatus: 404, nextAttemptAt: null });
  });

  it('pauses a webhook that keeps failing and tells the ADMIN; keeps workspaces apart', async () => {
    const { webhook } = await create();
    answers = Array.from({ length: 10 }, () => 500);
    for (let i = 0; i < 10; i++) await data(t.url, t.adminKey, op.TestWebhook({ id: webhook.id }));
    const listed = (await data(t.url, t.adminKey, op.Webhooks())).webhooks.find((w: { id: string }) => w.id === webhook.id);
    expect(listed).toMatchObject({ active: false, failures: 10 });
    const [audit] = await t.sql(`select action, details from audit_entry where subject_id = ? and action = 'WEBHOOK_PAUSED'`, [webhook.id]);
    expect(audit.details).toMatchObject({ failures: 10 });
    const resumed = (await data(t.url, t.adminKey, op.UpdateWebhook({ id: webhook.id, input: { url, topics: ['CARE_TASK_DUE'], active: true } })))
      .updateWebhook;
    expect(resumed).toMatchObject({ active: true, failures: 0 });

    const other = await t.addWorkspace('Webhooks elsewhere');
    expect((await data(t.url, other.adminKey, op.Webhooks())).webhooks).toEqual([]);
    expect(codes(await post(t.url, other.adminKey, op.TestWebhook({ id: webhook.id })))).toEqual(['NOT_FOUND']);
    expect(await data(t.url, t.adminKey, op.DeleteWebhook({ id: webhook.id }))).toEqual({ deleteWebhook: true });
    expect(codes(await post(t.url, t.adminKey, op.TestWebhook({ id: webhook.id })))).toEqual(['NOT_FOUND']);
  });

  it('delivers segment membership changes once each, in order, after commit, to its own workspace only; erasure leaves only the id', async () => {
    answers = [];
    await data(t.url, t.adminKey, op.AllowPrivateWebhooks({ allow: true }));
    const mine = `${url}/segments`;
    const { webhook } = (await data(t.url, t.adminKey, op.CreateWebhook({ input: { url: mine, topics: ['SEGMENT_MEMBERSHIP', 'CUSTOMER_ERASED'] } })))
      .createWebhook;
    const other = await t.addWorkspace('Hooks elsewhere');
    await data(t.url, other.adminKey, op.AllowPrivateWebhooks({ allow: true }));
    await data(t.url, other.adminKey, op.CreateWebhook({ input: { url: `${url}?other`, topics: ['SEGMENT_MEMBERSHIP'] } }));
    const segment = (
      await data(t.url, t.adminKey, {
        query: `mutation { createSegment(input: { name: "VIPs", kind: DYNAMIC, rule: { trait: { key: "vip", op: EQ, value: true } } }) { id } }`,
      })
    ).createSegment;
    const identify = (vip: boolean, n: number) =>
      t.ingest([{ messageId: `hook-${n}`, kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'vip@hooks.test' }], traits: { vip } }]);
    const before = received.length;
    await identify(true, 1);
    await identify(false, 2);
    await identify(true, 3);
    const [{ id: customerId }] = await t.sql(`select customer_id id from identity where value = 'vip@hooks.test'`);
    await t.server.jobs.runNow('webhook_deliveries');
    const events = received
      .slice(before)
      .filter((r) => r.path === '/hooks/segments')
      .map((r) => ({ body: JSON.parse(r.body) }));
    // the other workspace's receiver heard nothing of this one's customer
    expect(received.slice(before).filter((r) => r.path.includes('other'))).toEqual([]);
    expect(events.map((e) => [e.body.type, e.body.data])).toEqual([
      ['SEGMENT_MEMBERSHIP', { segmentId: segment.id, customerId, change: 'ENTERED' }],
      ['SEGMENT_MEMBERSHIP', { segmentId: segment.id, customerId, change: 'EXITED' }],
      ['SEGMENT_MEMBERSHIP', { segmentId: segment.id, customerId, change: 'ENTERED' }],
    ]);
    expect(new Set(events.map((e) => e.body.id)).size).toBe(3);
    expect(events.every((e) => e.body.workspaceId === t.workspaceId)).toBe(true);
    const seen = received.length;
    await t.server.jobs.runNow('webhook_deliveries');
    expect(received.length).toBe(seen);

    // a change waiting to go out when the customer is erased never goes
    await identify(false, 4);
    const [{ n: pending }] = await t.sql(`select count(*)::int n from webhook_delivery where webhook_id = ? and status = 'PENDING'`, [webhook.id]);
    // (the earlier tests' webhooks of SEGMENT_MEMBERSHIP have theirs too)
    expect(pending).toBe(1);
    await data(t.url, t.adminKey, { query: `mutation($id: ID!) { eraseCustomer(id: $id) }`, variables: { id: customerId } });
    await t.server.jobs.runNow('webhook_deliveries');
    const after = received
      .slice(seen)
      .filter((r) => r.path === '/hooks/segments')
      .map((r) => JSON.parse(r.body));
    expect(after.map((e) => [e.type, e.data])).toEqual([['CUSTOMER_ERASED', { customerId }]]);
  });

  it('tells of a merge ingestion made, with the ids of both customers', async () => {
    answers = [];
    await data(t.url, t.adminKey, op.AllowPrivateWebhooks({ allow: true }));
    await data(t.url, t.adminKey, op.CreateWebhook({ input: { url: `${url}/merges`, topics: ['CUSTOMER_MERGED'] } }));
    await t.ingest([{ messageId: 'm-1', kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'half@hooks.test' }] }]);
    await t.ingest([{ messageId: 'm-2', kind: 'IDENTIFY', identifiers: [{ type: 'PHONE', value: '+8613912345678' }] }]);
    const ids = await t.sql(`select customer_id from identity where value in ('half@hooks.test', '+8613912345678') order by first_seen_at`);
    await t.ingest([
      {
        messageId: 'm-3',
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'half@hooks.test' },
          { type: 'PHONE', value: '+8613912345678' },
        ],
      },
    ]);
    const before = received.length;
    await t.server.jobs.runNow('webhook_deliveries');
    const merges = received
      .slice(before)
      .filter((r) => r.path === '/hooks/merges')
      .map((r) => JSON.parse(r.body));
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ type: 'CUSTOMER_MERGED', data: { automatic: true } });
    expect([merges[0].data.survivorId, merges[0].data.absorbedId].sort()).toEqual(ids.map((row: { customer_id: string }) => row.customer_id).sort());
  });
});
