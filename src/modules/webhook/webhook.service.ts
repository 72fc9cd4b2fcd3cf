import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { fromRows } from '../../db/rows';
import { sql } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { DeliveryStatus, WebhookTopic } from '../../graphql/enums';
import { recordAudit } from '../workspace/audit.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { Webhook, WebhookDelivery } from './webhook.entity';
import { WebhookErrors } from './webhook.errors';
import type { WebhookInput } from './webhook.input';
import { backoffSeconds, isPrivateAddress, KEEP_DAYS, newSecret, PAUSE_AFTER_FAILURES, RETRY_HOURS, seal, signature, unseal } from './webhook.rules';

const TIMEOUT_MS = 10_000;

/** The URL, checked: http or https, and (unless the workspace allows private ones) resolving only to public addresses. */
async function checkedUrl(text: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw WebhookErrors.urlInvalid('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw WebhookErrors.urlInvalid('must be http or https');
  if (url.username || url.password) throw WebhookErrors.urlInvalid('may not carry credentials');
  if (allowPrivate) return url;
  const addresses = await new Promise<LookupAddress[]>((resolve) =>
    dnsLookup(url.hostname.replace(/^\[|\]$/g, ''), { all: true }, (error, found) => resolve(error ? [] : found)),
  );
  if (!addresses.length) throw WebhookErrors.urlInvalid('does not resolve');
  if (addresses.some((a) => isPrivateAddress(a.address))) throw WebhookErrors.urlPrivate();
  return url;
}

function checkedTopics(topics: WebhookTopic[]): WebhookTopic[] {
  const distinct = [...new Set(topics)].filter((topic) => topic !== WebhookTopic.PING);
  if (!distinct.length) throw WebhookErrors.topicsEmpty();
  return distinct;
}

export async function createWebhook(em: EntityManager, viewer: Viewer, settings: WorkspaceSettings, input: WebhookInput, now: Date) {
  const url = await checkedUrl(input.url, settings.allowPrivateWebhookUrls);
  const topics = checkedTopics(input.topics);
  const secret = newSecret();
  return em.fork().transactional(async (tx) => {
    const webhook = tx.create(Webhook, {
      workspace: viewer.workspaceId,
      url: url.toString(),
      topics,
      active: input.active ?? true,
      secretSealed: seal(secret),
      createdAt: now,
      updatedAt: now,
    });
    tx.persist(webhook);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, { action: 'webhook.created', subjectType: 'Webhook', subjectId: webhook.id, details: { topics } });
    return { webhook, secret };
  });
}

async function webhookFor(tx: EntityManager, id: string): Promise<Webhook> {
  const webhook = isUuid(id) ? await tx.findOne(Webhook, { id }) : null;
  if (!webhook) throw WebhookErrors.notFound(id);
  return webhook;
}

/** Replaces a webhook's URL, topics and active flag; turning it active again clears its failures. */
export async function updateWebhook(
  em: EntityManager,
  viewer: Viewer,
  settings: WorkspaceSettings,
  id: string,
  input: WebhookInput,
  now: Date,
): Promise<Webhook> {
  const url = await checkedUrl(input.url, settings.allowPrivateWebhookUrls);
  const topics = checkedTopics(input.topics);
  return em.fork().transactional(async (tx) => {
    const webhook = await webhookFor(tx, id);
    const active = input.active ?? webhook.active;
    Object.assign(webhook, { url: url.toString(), topics, active, failures: active && !webhook.active ? 0 : webhook.failures, updatedAt: now });
    recordAudit(tx, viewer.workspaceId, viewer.keyId, { action: 'webhook.updated', subjectType: 'Webhook', subjectId: id, details: { topics, active } });
    return webhook;
  });
}

export async function deleteWebhook(em: EntityManager, viewer: Viewer, id: string): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const webhook = await webhookFor(tx, id);
    await sql(tx, `delete from webhook_delivery where workspace_id = ? and webhook_id = ?`, [viewer.workspaceId, id]);
    tx.remove(webhook);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, { action: 'webhook.deleted', subjectType: 'Webhook', subjectId: id, details: {} });
  });
}

/** One POST: the status, or the error of a connection that failed, timed out, or reached an address it may not. */
function post(url: string, headers: Record<string, string>, body: string, allowPrivate: boolean): Promise<{ status?: number; error?: string }> {
  const target = new URL(url);
  // checked again at connect: a name that resolved to a public address at creation may not now
  const lookup: typeof dnsLookup = ((hostname: string, options: object, callback: (e: Error | null, a: string | LookupAddress[], f?: number) => void) =>
    dnsLookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, []);
      if (!allowPrivate && found.some((a) => isPrivateAddress(a.address))) return callback(new Error('the URL resolves to a private address'), []);
      callback(null, found);
    })) as never;
  return new Promise((resolve) => {
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, lookup, timeout: TIMEOUT_MS },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => resolve({ error: error.message.slice(0, 500) }));
    request.end(body);
  });
}

/**
 * Makes one attempt at a delivery, outside any transaction: signed with the webhook's secret. A 2xx
 * delivers; a 5xx, a timeout or a connection error is retried with back-off for 24 hours; any other
 * answer fails it. Failures in a row pause the webhook (audited as WEBHOOK_PAUSED).
 */
export async function attempt(em: EntityManager, delivery: WebhookDelivery, webhook: Webhook, allowPrivate: boolean, now: Date): Promise<WebhookDelivery> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const result = await post(
    webhook.url,
    {
      'x-cdp-event-id': delivery.id,
      'x-cdp-timestamp': String(timestamp),
      'x-cdp-signature': signature(unseal(webhook.secretSealed), timestamp, delivery.body),
    },
    delivery.body,
    allowPrivate,
  );
  const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
  const retryable = result.status === undefined || result.status >= 500;
  const attempts = delivery.attempts + 1;
  const giveUpAt = delivery.createdAt.getTime() + RETRY_HOURS * 3_600_000;
  const next = new Date(now.getTime() + backoffSeconds(attempts) * 1000);
  const status = ok ? DeliveryStatus.DELIVERED : retryable && next.getTime() < giveUpAt ? DeliveryStatus.PENDING : DeliveryStatus.FAILED;
  Object.assign(delivery, {
    status,
    attempts,
    responseStatus: result.status ?? null,
    error: ok ? null : (result.error ?? `answered ${result.status}`),
    nextAttemptAt: status === DeliveryStatus.PENDING ? next : null,
    deliveredAt: ok ? now : null,
  });
  await em.fork().transactional(async (tx) => {
    await sql(
      tx,
      `update webhook_delivery set status = ?, attempts = ?, response_status = ?, error = ?, next_attempt_at = ?, delivered_at = ? where workspace_id = ? and id = ?`,
      [delivery.status, attempts, delivery.responseStatus, delivery.error, delivery.nextAttemptAt, delivery.deliveredAt, webhook.workspace.id, delivery.id],
    );
    const [after] = await sql<{ failures: number; active: boolean }>(
      tx,
      `update webhook set failures = case when ?::boolean then 0 else failures + 1 end, last_delivery_at = case when ?::boolean then ?::timestamptz else last_delivery_at end,
         active = active and (?::boolean or failures + 1 < ?) where workspace_id = ? and id = ? returning failures, active`,
      [ok, ok, now, ok, PAUSE_AFTER_FAILURES, webhook.workspace.id, webhook.id],
    );
    if (after && !after.active && webhook.active) {
      recordAudit(tx, webhook.workspace.id, null, {
        action: 'WEBHOOK_PAUSED',
        subjectType: 'Webhook',
        subjectId: webhook.id,
        details: { failures: after.failures, lastError: delivery.error },
      });
    }
  });
  return delivery;
}

/** Queues an event for a webhook (the body carries a stable event id, the type, the workspace and the time). */
export function newDelivery(em: EntityManager, webhook: Webhook, topic: WebhookTopic, data: unknown, now: Date): WebhookDelivery {
  const delivery = em.create(WebhookDelivery, { workspace: webhook.workspace.id, webhookId: webhook.id, topic, body: '', nextAttemptAt: now, createdAt: now });
  delivery.body = JSON.stringify({ id: delivery.id, type: topic, workspaceId: webhook.workspace.id, createdAt: now.toISOString(), data });
  return delivery;
}

/** testWebhook: a signed ping, sent now; answers the delivery as it stands after the attempt. */
export async function testWebhook(em: EntityManager, settings: WorkspaceSettings, id: string, now: Date): Promise<WebhookDelivery> {
  const webhook = await webhookFor(em, id);
  const delivery = await em.fork().transactional(async (tx) => {
    const created = newDelivery(tx, webhook, WebhookTopic.PING, { webhookId: webhook.id }, now);
    tx.persist(created);
    return created;
  });
  return attempt(em, delivery, webhook, settings.allowPrivateWebhookUrls, now);
}

/** Deliveries taken per round of the job. */
export const DUE_PAGE = 500;

/**
 * The job's share: every due delivery of the workspace's active webhooks, oldest written first,
 * each webhook's one after another (in order) and up to four webhooks at once; deliveries older
 * than 7 days go.
 */
export async function deliverDue(em: EntityManager, workspaceId: string, settings: WorkspaceSettings, now: Date): Promise<number> {
  await sql(em, `delete from webhook_delivery where workspace_id = ? and created_at < ?::timestamptz - make_interval(days => ?)`, [
    workspaceId,
    now,
    KEEP_DAYS,
  ]);
  // claimed for a while (a lease), so another run of the job, here or in another process, skips them
  const claimed = await sql<Record<string, unknown> & { seq: string }>(
    em,
    `update webhook_delivery u set next_attempt_at = ?::timestamptz + interval '5 minutes'
     from (select d.id from webhook_delivery d join webhook w on w.workspace_id = d.workspace_id and w.id = d.webhook_id and w.active
           where d.workspace_id = ? and d.status = 'PENDING' and d.next_attempt_at <= ? order by d.seq limit ? for update of d skip locked) due
     where u.workspace_id = ? and u.id = due.id returning u.*`,
    [now, workspaceId, now, DUE_PAGE, workspaceId],
  );
  const rows = claimed.sort((a, b) => Number(a.seq) - Number(b.seq));
  if (!rows.length) return 0;
  const toDelivery = fromRows(em, WebhookDelivery);
  const byWebhook = new Map<string, WebhookDelivery[]>();
  for (const row of rows) {
    const delivery = toDelivery(row);
    byWebhook.set(delivery.webhookId, [...(byWebhook.get(delivery.webhookId) ?? []), delivery]);
  }
  const webhooks = new Map((await em.find(Webhook, { id: { $in: [...byWebhook.keys()] } })).map((w) => [w.id, w]));
  const queue = [...byWebhook.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [webhookId, deliveries] = next;
      for (const delivery of deliveries) {
        // a failure leaves the rest for later, so they do not overtake it
        if ((await attempt(em, delivery, webhooks.get(webhookId)!, settings.allowPrivateWebhookUrls, now)).status !== DeliveryStatus.DELIVERED) break;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return rows.length;
}
