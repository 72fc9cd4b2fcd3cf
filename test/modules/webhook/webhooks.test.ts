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
      received.push({ headers: req.headers, body });
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
});
