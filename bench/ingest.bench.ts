import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { median, startBenchServer } from './support';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 1000;
// a sender with a few requests in flight, as batching SDKs and pipelines send; BENCH_CONCURRENCY=2 is the stricter case
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

interface Item {
  messageId: string;
  kind: 'IDENTIFY' | 'TRACK';
  event?: string;
  revenue?: number;
  identifiers: { type: string; value: string }[];
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  occurredAt: string;
}

/**
 * 100,000 events: most from new people, about 10% from people already known, about 2% linking two
 * customers that were created apart (the e-mail half and the phone half of one person), so they merge.
 */
function generate(total: number): Item[] {
  const items: Item[] = [];
  const known: number[] = [];
  const halves: { n: number; at: number }[] = [];
  const email = (n: number) => `person${n}@bench.test`;
  const phone = (n: number) => `+86139${String(n).padStart(8, '0')}`;
  let person = 0;
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  for (let i = 0; items.length < total; i++) {
    const roll = (i * 7919) % 100;
    const messageId = `bench-${i}`;
    if (roll < 10 && known.length > BATCH) {
      const n = known[(i * 31) % (known.length - BATCH)];
      items.push({
        messageId,
        kind: 'TRACK',
        event: roll < 4 ? 'order_completed' : 'page_viewed',
        revenue: roll < 4 ? 100 + (i % 900) : undefined,
        identifiers: [{ type: 'EMAIL', value: email(n) }],
        properties: { path: '/products' },
        occurredAt: at(i),
      });
    } else if (roll < 12 && halves.length && items.length - halves[0].at > BATCH) {
      const { n } = halves.shift()!;
      items.push({
        messageId,
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: email(n) },
          { type: 'PHONE', value: phone(n) },
        ],
        occurredAt: at(i),
      });
      known.push(n);
    } else if (roll < 16) {
      const n = ++person;
      items.push({ messageId, kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: email(n) }], traits: { name: `Person ${n}` }, occurredAt: at(i) });
      items.push({ messageId: `${messageId}-b`, kind: 'TRACK', event: 'app_opened', identifiers: [{ type: 'PHONE', value: phone(n) }], occurredAt: at(i) });
      halves.push({ n, at: items.length });
    } else {
      const n = ++person;
      items.push({
        messageId,
        kind: 'TRACK',
        event: 'signed_up',
        identifiers: [
          { type: 'EMAIL', value: email(n) },
          { type: 'PHONE', value: phone(n) },
          { type: 'MEMBER_ID', value: `M${n}` },
        ],
        traits: { name: `Person ${n}`, city: 'Shanghai' },
        properties: { plan: 'basic' },
        occurredAt: at(i),
      });
      known.push(n);
    }
  }
  return items.slice(0, total);
}

const QUERY = 'mutation($e: [IngestEventInput!]!) { ingest(events: $e) { accepted duplicates customersCreated merges errors { code } } }';
type Totals = { accepted: number; duplicates: number; customersCreated: number; merges: number; errors: number; seconds: number; senderCpuMs: number };

/**
 * The client side, in its own process so that building and sending requests does not share the
 * server's event loop: `concurrency` requests in flight, each a batch of 1,000 items.
 */
async function send(url: string, key: string): Promise<Totals> {
  const items = generate(TOTAL);
  const bodies: string[] = [];
  for (let i = 0; i < items.length; i += BATCH) bodies.push(JSON.stringify({ query: QUERY, variables: { e: items.slice(i, i + BATCH) } }));
  const totals = { accepted: 0, duplicates: 0, customersCreated: 0, merges: 0, errors: 0, seconds: 0, senderCpuMs: 0 };
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: bodies[next++],
      });
      const body = (await response.json()) as {
        data?: { ingest: Omit<Totals, 'errors' | 'seconds' | 'senderCpuMs'> & { errors: unknown[] } };
        errors?: unknown[];
      };
      if (!body.data) throw new Error(`ingest failed: ${JSON.stringify(body.errors)}`);
      const result = body.data.ingest;
      totals.accepted += result.accepted;
      totals.duplicates += result.duplicates;
      totals.customersCreated += result.customersCreated;
      totals.merges += result.merges;
      totals.errors += result.errors.length;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  totals.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  totals.senderCpuMs = (cpu.user + cpu.system) / 1000;
  return totals;
}

const COPY_RUNS = 3;

/**
 * COPY of the same rows into a scratch table shaped like the items (a logged table, as the API's
 * tables are), loaded COPY_RUNS times into a fresh table each time: one load lasts about a second,
 * and on a shared VM one sample swings by half, so the ratio uses the median.
 */
async function copyRate(databaseUrl: string, items: Item[]): Promise<{ rate: number; rates: number[] }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const table = `ingest_copy_${process.pid}`;
  const escape = (value: unknown) =>
    value === undefined || value === null ? '\\N' : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  const rows = items.map(
    (item) =>
      [
        item.messageId,
        item.kind,
        item.event,
        item.revenue,
        JSON.stringify(item.identifiers),
        item.traits && JSON.stringify(item.traits),
        item.properties && JSON.stringify(item.properties),
        item.occurredAt,
      ]
        .map(escape)
        .join('\t') + '\n',
  );
  const rates: number[] = [];
  try {
    for (let run = 0; run < COPY_RUNS; run++) {
      await client.query(
        `create table ${table} (message_id text, kind text, event text, revenue numeric, identifiers jsonb, traits jsonb, properties jsonb, occurred_at timestamptz)`,
      );
      try {
        const started = process.hrtime.bigint();
        await pipeline(Readable.from(rows), client.query(copyFrom(`copy ${table} from stdin`)));
        rates.push(items.length / (Number(process.hrtime.bigint() - started) / 1e9));
      } finally {
        await client.query(`drop table ${table}`);
      }
    }
    return { rate: median(rates), rates };
  } finally {
    await client.end();
  }
}

/** CPU time used so far by this machine's PostgreSQL processes, in ms; null where /proc cannot tell (not Linux). */
function postgresCpuMs(): number | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime and stime, in clock ticks of 10 ms
    } catch {
      // the process ended while we looked
    }
  }
  return ticks * 10;
}

async function main() {
  const { server, database, workspaceId, adminKey, stop } = await startBenchServer();
  // where the time goes: this process serves the API; the sender is another process
  const cpuBefore = process.cpuUsage();
  const postgresBefore = postgresCpuMs();
  const loopBefore = performance.eventLoopUtilization();
  const sender = fork(__filename, ['send'], { env: { ...process.env, BENCH_URL: server.url, BENCH_KEY: adminKey }, execArgv: [] });
  const totals = await new Promise<Totals>((resolve, reject) => {
    sender.once('message', (message) => resolve(message as Totals));
    sender.once('exit', (code) => reject(new Error(`the sending process exited with ${code}`)));
  });
  const apiCpu = process.cpuUsage(cpuBefore);
  const postgresAfter = postgresCpuMs();
  const loop = performance.eventLoopUtilization(loopBefore);
  const apiRate = TOTAL / totals.seconds;
  const copy = await copyRate(database.url, generate(TOTAL));

  console.log(`\ningest: ${TOTAL} events in batches of ${BATCH}, ${CONCURRENCY} requests at a time from another process, workspace ${workspaceId}`);
  console.log(
    `  applied ${totals.accepted}, duplicates ${totals.duplicates}, customers created ${totals.customersCreated}, merges ${totals.merges}, item errors ${totals.errors}`,
  );
  console.log(`  through the API (HTTP + GraphQL + identity resolution): ${apiRate.toFixed(0)} events/s (${totals.seconds.toFixed(1)} s)`);
  console.log(
    `  PostgreSQL COPY of the same rows into a scratch table:  ${copy.rate.toFixed(0)} rows/s (median of ${copy.rates.map((rate) => rate.toFixed(0)).join(', ')})`,
  );
  const batches = TOTAL / BATCH;
  const postgres = postgresBefore === null || postgresAfter === null ? 'not measured' : `${((postgresAfter - postgresBefore) / batches).toFixed(0)} ms`;
  console.log(
    `  CPU per batch: API process ${((apiCpu.user + apiCpu.system) / 1000 / batches).toFixed(0)} ms (event loop busy ${(loop.utilization * 100).toFixed(0)}%), PostgreSQL ${postgres}, sender ${(totals.senderCpuMs / batches).toFixed(0)} ms; ${os.cpus().length} cores`,
  );
  console.log(`  ratio API / COPY: ${(apiRate / copy.rate).toFixed(3)}   (targets: >= 5000 events/s and >= 0.1 of COPY)`);

  await stop();
}

if (process.argv[2] === 'send') {
  send(process.env.BENCH_URL!, process.env.BENCH_KEY!)
    .then((totals) => process.send!(totals, () => process.exit(0)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
