import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { graphql, median, startBenchServer } from './support';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const BATCH = 1000;
const DRAIN_TIMEOUT_S = Number(process.env.BENCH_DRAIN_TIMEOUT ?? 900);
const TOPICS = [
  'SEGMENT_MEMBERSHIP',
  'LIFECYCLE_CHANGED',
  'CUSTOMER_MERGED',
  'CUSTOMER_ERASED',
  'CONVERSATION_UPDATED',
  'SLA_ALERT',
  'FEEDBACK_OVERDUE',
  'CARE_TASK_DUE',
  'EXPERIMENT_STOPPED',
];

/**
 * Webhooks under load: batches of 1,000 new customers each entering a segment, half of them with
 * one webhook subscribed to every topic and half with it subscribed to none that ingestion writes,
 * taking turns (the ingest rate of
 * each); then every delivery of the on half to a receiver on the loopback: deliveries per second
 * and p95 from the change (the event's createdAt, its transaction's time) to receipt.
 */
async function main() {
  const bench = await startBenchServer();
  const received: { type: string; lagMs: number }[] = [];
  let firstAt = 0;
  let lastAt = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const now = Date.now();
      const event = JSON.parse(body) as { type: string; createdAt: string };
      received.push({ type: event.type, lagMs: now - Date.parse(event.createdAt) });
      firstAt ||= now;
      lastAt = now;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  try {
    await graphql(
      bench,
      `
        mutation {
          updateWorkspaceSettings(input: { allowPrivateWebhookUrls: true }) {
            id
          }
        }
      `,
    );
    const { id } = (
      await graphql(
        bench,
        `
          mutation ($input: WebhookInput!) {
            createWebhook(input: $input) {
              webhook {
                id
              }
            }
          }
        `,
        { input: { url, topics: TOPICS } },
      )
    ).createWebhook.webhook;
    await graphql(
      bench,
      `
        mutation {
          createSegment(input: { name: "Members", kind: DYNAMIC, rule: { trait: { key: "member", op: EQ, value: true } } }) {
            id
          }
        }
      `,
    );
    const times = { on: [] as number[], off: [] as number[] };
    for (let batch = 0; batch < BATCHES; batch++) {
      const side = (batch % 4 === 0 || batch % 4 === 3 ? 'on' : 'off') as 'on' | 'off';
      await graphql(
        bench,
        `
          mutation ($id: ID!, $input: WebhookInput!) {
            updateWebhook(id: $id, input: $input) {
              id
            }
          }
        `,
        { id, input: { url, topics: side === 'on' ? TOPICS : ['EXPERIMENT_STOPPED'] } },
      );
      const events = Array.from({ length: BATCH }, (_, i) => ({
        messageId: `wh-${batch}-${i}`,
        kind: 'IDENTIFY',
        identifiers: [{ type: 'EMAIL', value: `member-${batch}-${i}@webhooks.bench` }],
        traits: { member: true },
      }));
      const started = process.hrtime.bigint();
      await graphql(
        bench,
        `
          mutation ($events: [IngestEventInput!]!) {
            ingest(events: $events) {
              accepted
            }
          }
        `,
        { events },
      );
      times[side].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const rate = (side: 'on' | 'off') => (BATCH * 1000) / median(times[side]);
    const em = forkForWorkspace(bench.orm, bench.workspaceId);
    const [{ total }] = await sql<{ total: number }>(em, `select count(*)::int total from webhook_delivery where workspace_id = ?`, [bench.workspaceId]);
    const deadline = Date.now() + DRAIN_TIMEOUT_S * 1000;
    while (received.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    const membership = received
      .filter((r) => r.type === 'SEGMENT_MEMBERSHIP')
      .map((r) => r.lagMs)
      .sort((a, b) => a - b);
    const [{ pending, failed }] = await sql<{ pending: number; failed: number }>(
      em,
      `select count(*) filter (where status = 'PENDING')::int pending, count(*) filter (where status = 'FAILED')::int failed from webhook_delivery where workspace_id = ?`,
      [bench.workspaceId],
    );
    console.log(
      `\nwebhooks: ${BATCHES} batches of ${BATCH} new customers entering a segment, the webhook on every topic on for half of them\n` +
        `  ingest with the webhook ${rate('on').toFixed(0)} ev/s, without ${rate('off').toFixed(0)} ev/s: ratio ${(rate('on') / rate('off')).toFixed(2)} ${rate('on') / rate('off') >= 0.9 ? 'ok' : 'MISSED'}\n` +
        `  ${received.length} of ${total} deliveries received (${membership.length} segment membership changes), ${pending} pending, ${failed} failed;` +
        ` ${(received.length / Math.max(0.001, (lastAt - firstAt) / 1000)).toFixed(0)} deliveries/s; membership change to receipt p50 ${(membership[Math.floor(membership.length / 2)] / 1000).toFixed(1)} s, p95 ${(membership[Math.floor(membership.length * 0.95)] / 1000).toFixed(1)} s`,
    );
    if (received.length < total) process.exitCode = 1;
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
    await bench.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
