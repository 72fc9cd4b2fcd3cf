import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fork } from 'node:child_process';
import os from 'node:os';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createWorkspace } from '../src/modules/workspace/workspace.service';
import { toIntakeRow } from '../src/modules/intake/segment-api.rules';
import { graphql, median, percentile, postgresCpuMeter, startBenchServer, type BenchServer } from './support';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 200_000);
const SYNC_TOTAL = Number(process.env.BENCH_SYNC_EVENTS ?? 20_000);
// batches of 100 as Segment's SDKs send them, a few requests in flight
const BATCH = 100;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 2000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 15);
const DRAIN_TIMEOUT_S = Number(process.env.BENCH_DRAIN_TIMEOUT ?? 600);
// BENCH_PHASES=copy,sync runs only those (intake and lag need /v1/batch)
const PHASES = new Set((process.env.BENCH_PHASES ?? 'intake,lag,sync,copy').split(',').map((phase) => phase.trim()));
// a known person is picked among those first seen at least this many events before (as the ingest bench does)
const GAP = 1000;
const COPY_RUNS = 3;

/** One message of Segment's HTTP Tracking API, as `/v1/batch` takes it. */
interface SegmentEvent {
  type: 'identify' | 'track';
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  context?: { traits?: Record<string, unknown> };
  timestamp: string;
}

/**
 * The ingest bench's shape as Segment messages, each with a userId or an anonymousId as Segment
 * requires: most from new people (a signed_up track with userId, e-mail and phone), about 10% from
 * people already known (a track by userId), about 2% linking two customers created apart (one by
 * e-mail on one device, one by phone on another: an identify with the userId, the e-mail and the
 * phone), so they merge. `prefix` and `personBase` keep a second set (the lag phase's) apart from the
 * first in the same workspace.
 */
function generate(total: number, prefix = 'bench', personBase = 0): SegmentEvent[] {
  const events: SegmentEvent[] = [];
  const known: number[] = [];
  const halves: { n: number; at: number }[] = [];
  const email = (n: number) => `person${n}@bench.test`;
  const phone = (n: number) => `+86139${String(n).padStart(8, '0')}`;
  let person = personBase;
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  for (let i = 0; events.length < total; i++) {
    const roll = (i * 7919) % 100;
    const messageId = `${prefix}-${i}`;
    if (roll < 10 && known.length > GAP) {
      const n = known[(i * 31) % (known.length - GAP)];
      const order = roll < 4;
      events.push({
        type: 'track',
        messageId,
        userId: `M${n}`,
        event: order ? 'order_completed' : 'page_viewed',
        properties: order ? { path: '/products', revenue: 100 + (i % 900) } : { path: '/products' },
        timestamp: at(i),
      });
    } else if (roll < 12 && halves.length && events.length - halves[0].at > GAP) {
      const { n } = halves.shift()!;
      events.push({ type: 'identify', messageId, userId: `M${n}`, traits: { email: email(n), phone: phone(n) }, timestamp: at(i) });
      known.push(n);
    } else if (roll < 16) {
      const n = ++person;
      events.push({ type: 'identify', messageId, anonymousId: `web-${n}`, traits: { email: email(n), name: `Person ${n}` }, timestamp: at(i) });
      events.push({
        type: 'track',
        messageId: `${messageId}-b`,
        anonymousId: `app-${n}`,
        event: 'app_opened',
        context: { traits: { phone: phone(n) } },
        timestamp: at(i),
      });
      halves.push({ n, at: events.length });
    } else {
      const n = ++person;
      events.push({
        type: 'track',
        messageId,
        userId: `M${n}`,
        event: 'signed_up',
        properties: { plan: 'basic' },
        context: { traits: { email: email(n), phone: phone(n), name: `Person ${n}`, city: 'Shanghai' } },
        timestamp: at(i),
      });
      known.push(n);
    }
  }
  return events.slice(0, total);
}

/** The same message as the intake stores it (as the drainers apply it), mapped by the server's own rules. */
const toRow = (event: SegmentEvent, receivedAt = new Date()) => toIntakeRow(event, event.type, receivedAt, undefined, 'CN');

const INGEST = 'mutation($e: [IngestEventInput!]!) { ingest(events: $e) { accepted duplicates customersCreated merges errors { code } } }';

/** What the sending process is asked to do. */
interface SendJob {
  mode: 'intake' | 'sync' | 'lag';
  url: string;
  key: string;
  total: number;
  prefix: string;
  personBase: number;
  /** lag: events per second, paced. */
  rate?: number;
}

interface Sent {
  events: number;
  requests: number;
  seconds: number;
  /** Epoch ms of the first request and the last answer. */
  startedAt: number;
  endedAt: number;
  senderCpuMs: number;
  /** Answers that asked to come back later (429/503), sent again. */
  retries: number;
  /** Per-request latency, ms. */
  p50: number;
  p95: number;
  /** Requests that found the in-flight cap full (lag: the pace was not held). */
  late: number;
  sync?: { accepted: number; duplicates: number; customersCreated: number; merges: number; errors: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The client side, in its own process so that building and sending requests does not share the
 * server's event loop. intake and sync: CONCURRENCY requests in flight, each a batch of 100; lag: a
 * batch every 100/rate seconds, whatever the answers.
 */
async function send(job: SendJob): Promise<Sent> {
  const events = generate(job.total, job.prefix, job.personBase);
  const batches: string[] = [];
  for (let i = 0; i < events.length; i += BATCH)
    batches.push(
      job.mode === 'sync'
        ? JSON.stringify({ query: INGEST, variables: { e: events.slice(i, i + BATCH).map((event) => toRow(event).item) } })
        : JSON.stringify(events.slice(i, i + BATCH)),
    );
  const headers =
    job.mode === 'sync'
      ? { 'content-type': 'application/json', authorization: `Bearer ${job.key}` }
      : { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${job.key}:`).toString('base64')}` };
  const sync = { accepted: 0, duplicates: 0, customersCreated: 0, merges: 0, errors: 0 };
  const latencies: number[] = [];
  let retries = 0;
  const post = async (batch: string) => {
    for (let attempt = 0; ; attempt++) {
      const body = job.mode === 'sync' ? batch : `{"batch":${batch},"sentAt":"${new Date().toISOString()}"}`;
      const started = performance.now();
      const response = await fetch(job.url, { method: 'POST', headers, body });
      const text = await response.text();
      latencies.push(performance.now() - started);
      if ((response.status === 429 || response.status === 503) && attempt < 20) {
        retries++;
        await sleep(Number(response.headers.get('retry-after') ?? 0) * 1000 || 100 * 2 ** Math.min(attempt, 4));
        continue;
      }
      if (response.status !== 200) throw new Error(`${job.url} answered ${response.status}: ${text.slice(0, 500)}`);
      const answer = JSON.parse(text);
      if (job.mode !== 'sync') {
        if (answer.success !== true) throw new Error(`${job.url} answered ${text.slice(0, 500)}`);
        return;
      }
      if (!answer.data) throw new Error(`ingest failed: ${JSON.stringify(answer.errors)}`);
      const result = answer.data.ingest;
      sync.accepted += result.accepted;
      sync.duplicates += result.duplicates;
      sync.customersCreated += result.customersCreated;
      sync.merges += result.merges;
      sync.errors += result.errors.length;
      return;
    }
  };
  const startedAt = Date.now();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let late = 0;
  if (job.mode === 'lag') {
    const interval = (1000 * BATCH) / job.rate!;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (const [i, batch] of batches.entries()) {
      if (failure) throw failure;
      const wait = startedAt + i * interval - Date.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= 32) {
        late++;
        await Promise.race(inFlight);
      }
      const request: Promise<void> = post(batch)
        .catch((error) => {
          failure = error;
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  } else {
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await post(batches[next++]);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    events: events.length,
    requests: batches.length,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    startedAt,
    endedAt: Date.now(),
    senderCpuMs: (cpu.user + cpu.system) / 1000,
    retries,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    late,
    sync: job.mode === 'sync' ? sync : undefined,
  };
}

/** Runs {@link send} in a child process. */
function sendFrom(job: SendJob): Promise<Sent> {
  const sender = fork(__filename, ['send'], { env: { ...process.env, BENCH_JOB: JSON.stringify(job) }, execArgv: [] });
  return new Promise<Sent>((resolve, reject) => {
    sender.once('message', (message) => resolve(message as Sent));
    sender.once('exit', (code) => reject(new Error(`the sending process (${job.mode}) exited with ${code}`)));
  });
}

interface Status {
  backlog: number;
  oldestWaitingAt: string | null;
  acceptedLastMinute: number;
  appliedLastMinute: number;
  failed: number;
  lagSeconds: number;
}

const status = async (bench: BenchServer): Promise<Status> =>
  (await graphql(bench, '{ ingestionStatus { backlog oldestWaitingAt acceptedLastMinute appliedLastMinute failed lagSeconds } }')).ingestionStatus;

/** Polls `ingestionStatus` until the backlog is 0; fails after DRAIN_TIMEOUT_S. Returns the last status and when it was seen. */
async function drained(bench: BenchServer, what: string): Promise<{ status: Status; at: number }> {
  const deadline = Date.now() + DRAIN_TIMEOUT_S * 1000;
  for (;;) {
    const now = await status(bench);
    if (now.backlog === 0) return { status: now, at: Date.now() };
    if (Date.now() > deadline) throw new Error(`${what}: not drained after ${DRAIN_TIMEOUT_S} s (${JSON.stringify(now)})`);
    await sleep(100);
  }
}

/** An INGEST key of the bench's workspace, made through the API as an operator would. */
async function ingestKey(bench: BenchServer): Promise<{ id: string; secret: string }> {
  const data = await graphql(bench, 'mutation { createApiKey(name: "intake bench", role: INGEST) { apiKey { id } secret } }');
  return { id: data.createApiKey.apiKey.id, secret: data.createApiKey.secret };
}

/** The intake rows received since `since` (the database's clock), for the phase that sent them: counts and times in epoch seconds. */
async function intakeRows(client: Client, workspaceId: string, since: string) {
  const {
    rows: [r],
  } = await client.query(
    `with phase as (select at, accepted, applied, lags from intake_tally where workspace_id = $1 and at >= $2),
          edges as (select min(at) filter (where accepted > 0) first_received, max(at) filter (where accepted > 0) last_received,
                           max(at) filter (where applied > 0) last_applied from phase),
          lags as (select percentile_cont(array[0.5, 0.95, 0.99]) within group (order by l) lag, max(l)::float8 max_lag from phase, unnest(phase.lags) l)
     select (select coalesce(sum(accepted), 0)::int from phase) rows, (select coalesce(sum(applied), 0)::int from phase) applied,
            (select count(*)::int from intake where workspace_id = $1 and failed_at is not null and received_at >= $2) failed,
            extract(epoch from first_received)::float8 first_received, extract(epoch from last_received)::float8 last_received,
            extract(epoch from last_applied)::float8 last_applied,
            (select coalesce(sum(applied), 0)::int from phase, edges where phase.at > edges.last_received) applied_after_intake,
            lags.lag, lags.max_lag
       from edges, lags`,
    [workspaceId, since],
  );
  if (!r) throw new Error(`no intake rows received since ${since}`);
  return r as {
    rows: number;
    applied: number;
    failed: number;
    first_received: number;
    last_received: number;
    last_applied: number;
    applied_after_intake: number;
    lag: number[];
    max_lag: number;
  };
}

const databaseNow = async (client: Client): Promise<string> => (await client.query('select clock_timestamp()::text now')).rows[0].now;

/** What identity resolution made of a workspace's events, read from the tables. */
async function resolved(client: Client, workspaceId: string): Promise<string> {
  const {
    rows: [r],
  } = await client.query(
    `select (select count(*) from customer where workspace_id = $1)::int customers,
            (select count(*) from customer where workspace_id = $1 and merged_into_id is null)::int live,
            (select count(*) from customer_merge where workspace_id = $1)::int merges,
            (select count(*) from event where workspace_id = $1)::int events`,
    [workspaceId],
  );
  return `customers ${r.customers} (${r.live} not merged), merges ${r.merges}, event rows ${r.events}`;
}

/**
 * COPY of the rows the intake stores for the same messages (as `/v1/batch` maps them) into a scratch
 * table with the intake's columns, without its indexes (the reference) and with them, loaded
 * COPY_RUNS times each, turn about, into a fresh table each time; the medians count, since one
 * load lasts a second or two and swings widely on a shared machine.
 */
async function copyRates(client: Client, workspaceId: string, keyId: string, events: SegmentEvent[]) {
  const table = `intake_copy_${process.pid}`;
  const escape = (value: unknown) =>
    value === undefined || value === null ? '\\N' : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  const array = (values: string[]) => `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
  const receivedAt = new Date();
  const rows = events.map((event) => {
    const row = toRow(event, receivedAt);
    return (
      [workspaceId, row.messageId, row.shard, keyId, row.occurredAt.toISOString(), receivedAt.toISOString(), array(row.keys), JSON.stringify(row.item)]
        .map(escape)
        .join('\t') + '\n'
    );
  });
  const sides = [
    { label: 'without indexes', like: 'including defaults including identity', rates: [] as number[] },
    { label: "with the intake's indexes", like: 'including all', rates: [] as number[] },
  ];
  for (let run = 0; run < COPY_RUNS; run++)
    for (const side of sides) {
      await client.query(`create table ${table} (like intake ${side.like})`);
      try {
        const started = process.hrtime.bigint();
        await pipeline(
          Readable.from(rows),
          client.query(copyFrom(`copy ${table} (workspace_id, message_id, shard, key_id, occurred_at, received_at, keys, item) from stdin`)),
        );
        side.rates.push(events.length / (Number(process.hrtime.bigint() - started) / 1e9));
      } finally {
        await client.query(`drop table ${table}`);
      }
    }
  return sides.map((side) => ({ ...side, rate: median(side.rates) }));
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));

async function main() {
  const bench = await startBenchServer();
  const { server, database, orm, workspaceId } = bench;
  const client = new Client({ connectionString: database.url });
  await client.connect();
  const postgresCpu = await postgresCpuMeter(orm);
  const apiCpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const origin = new URL(server.url).origin;
  const print = (line: string) => console.log(line);
  let failures = 0;
  let intakeRate: number | undefined;
  let drainRate: number | undefined;
  let drainAloneRate: number | undefined;
  let lagP95: number | undefined;
  let copy: Awaited<ReturnType<typeof copyRates>> | undefined;
  let syncRate: number | undefined;

  try {
    const { id: keyId, secret: key } = await ingestKey(bench);

    if (PHASES.has('intake')) {
      const since = await databaseNow(client);
      const cpu = apiCpu();
      const pg = postgresCpu();
      // the backlog while the sender posts: its peak, and what is left when the last batch is accepted
      let peak = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          peak = Math.max(peak, (await status(bench)).backlog);
          await sleep(250);
        }
      })();
      const sent = await sendFrom({ mode: 'intake', url: `${origin}/v1/batch`, key, total: TOTAL, prefix: 'bench', personBase: 0 }).finally(() => {
        polling = false;
      });
      await poller;
      const atEnd = await status(bench);
      const intakeCpu = { api: apiCpu() - cpu, pg: postgresCpu() - pg };
      const done = await drained(bench, 'intake');
      const drainCpu = { api: apiCpu() - cpu, pg: postgresCpu() - pg };
      const rows = await intakeRows(client, workspaceId, since);
      intakeRate = sent.events / sent.seconds;
      const span = rows.last_applied - rows.first_received;
      drainRate = rows.applied / span;
      const afterIntake = rows.last_applied - rows.last_received;
      // the drainers alone, once nothing more comes in: only meaningful when they had a backlog left to work off
      drainAloneRate = afterIntake >= 1 ? rows.applied_after_intake / afterIntake : undefined;
      const perThousand = (ms: number, events: number) => fixed((ms / events) * 1000);
      print(`\nintake: ${sent.events} events posted to /v1/batch in batches of ${BATCH}, ${CONCURRENCY} requests at a time from another process`);
      print(
        `  accepted and durable: ${fixed(intakeRate)} events/s (${fixed(sent.seconds, 1)} s; request p50 ${fixed(sent.p50, 1)} ms, p95 ${fixed(sent.p95, 1)} ms; retried ${sent.retries})`,
      );
      print(
        `  backlog peak ${peak}, ${atEnd.backlog} when the last batch was accepted; intake rows ${rows.rows}, applied ${rows.applied}, failed ${rows.failed} (status: failed ${done.status.failed})`,
      );
      print(
        `  drain, first accept to backlog 0: ${fixed(drainRate)} events/s (${fixed(span, 1)} s); applied while posting ${fixed((rows.applied - rows.applied_after_intake) / (rows.last_received - rows.first_received))} events/s` +
          (drainAloneRate === undefined
            ? `; the drainers kept up (last applied ${fixed(afterIntake, 2)} s after the last accept)`
            : `; after the last accept ${fixed(drainAloneRate)} events/s (${rows.applied_after_intake} events in ${fixed(afterIntake, 1)} s)`),
      );
      print(`  lag over this phase: p50 ${fixed(rows.lag[0], 2)} s, p95 ${fixed(rows.lag[1], 2)} s, max ${fixed(rows.max_lag, 2)} s`);
      print(`  resolved: ${await resolved(client, workspaceId)}`);
      print(
        `  CPU per 1,000 events: while posting, API process ${perThousand(intakeCpu.api, sent.events)} ms, PostgreSQL ${perThousand(intakeCpu.pg, sent.events)} ms, sender ${perThousand(sent.senderCpuMs, sent.events)} ms;` +
          ` to backlog 0, API process ${perThousand(drainCpu.api, sent.events)} ms, PostgreSQL ${perThousand(drainCpu.pg, sent.events)} ms; ${os.availableParallelism()} cores`,
      );
      if (rows.applied !== sent.events || rows.failed || done.status.failed) {
        failures++;
        print(`  FAILED: ${sent.events} events posted, ${rows.applied} applied, ${rows.failed} failed`);
      }
    }

    if (PHASES.has('lag')) {
      const total = Math.round((LAG_RATE * LAG_SECONDS) / BATCH) * BATCH;
      const since = await databaseNow(client);
      const sent = await sendFrom({ mode: 'lag', url: `${origin}/v1/batch`, key, total, prefix: 'lag', personBase: 10_000_000, rate: LAG_RATE });
      const done = await drained(bench, 'lag');
      const rows = await intakeRows(client, workspaceId, since);
      lagP95 = rows.lag[1];
      print(
        `\nlag: ${sent.events} events at a steady ${LAG_RATE} events/s (sent at ${fixed(sent.events / sent.seconds)} events/s over ${fixed(sent.seconds, 1)} s, ${sent.late} batches late)`,
      );
      print(
        `  lag from receipt to application: p50 ${fixed(rows.lag[0], 3)} s, p95 ${fixed(rows.lag[1], 3)} s, p99 ${fixed(rows.lag[2], 3)} s, max ${fixed(rows.max_lag, 3)} s; request p50 ${fixed(sent.p50, 1)} ms, p95 ${fixed(sent.p95, 1)} ms`,
      );
      if (rows.applied !== sent.events || rows.failed || done.status.failed) {
        failures++;
        print(`  FAILED: ${sent.events} events posted, ${rows.applied} applied, ${rows.failed} failed`);
      }
    }

    if (PHASES.has('sync')) {
      // a workspace of its own, empty as the intake's was, for the first SYNC_TOTAL of the same messages
      const { workspace, adminKey } = await createWorkspace(orm.em.fork(), `bench sync ${new Date().toISOString()}`);
      const cpu = apiCpu();
      const pg = postgresCpu();
      const sent = await sendFrom({ mode: 'sync', url: server.url, key: adminKey, total: SYNC_TOTAL, prefix: 'bench', personBase: 0 });
      const cpuMs = { api: apiCpu() - cpu, pg: postgresCpu() - pg };
      syncRate = sent.events / sent.seconds;
      const totals = sent.sync!;
      print(`\nsync: ${sent.events} of the same events through the GraphQL ingest mutation, batches of ${BATCH}, ${CONCURRENCY} at a time`);
      print(`  ${fixed(syncRate)} events/s (${fixed(sent.seconds, 1)} s; request p50 ${fixed(sent.p50, 1)} ms, p95 ${fixed(sent.p95, 1)} ms)`);
      print(
        `  applied ${totals.accepted}, duplicates ${totals.duplicates}, customers created ${totals.customersCreated}, merges ${totals.merges}, item errors ${totals.errors}; resolved: ${await resolved(client, workspace.id)}`,
      );
      print(
        `  CPU per 1,000 events: API process ${fixed((cpuMs.api / sent.events) * 1000)} ms, PostgreSQL ${fixed((cpuMs.pg / sent.events) * 1000)} ms, sender ${fixed((sent.senderCpuMs / sent.events) * 1000)} ms`,
      );
      if (totals.errors) {
        failures++;
        print(`  FAILED: ${totals.errors} item errors`);
      }
    }

    if (PHASES.has('copy')) {
      copy = await copyRates(client, workspaceId, keyId, generate(TOTAL));
      print(`\ncopy: the intake's rows for the same ${TOTAL} messages into a scratch table like intake`);
      for (const side of copy) print(`  ${side.label}: ${fixed(side.rate)} rows/s (median of ${side.rates.map((rate) => fixed(rate)).join(', ')})`);
    }
  } finally {
    await client.end();
    await bench.stop();
  }

  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : fixed(a / b, 2));
  console.log('\nsummary');
  console.log(
    `  intake / COPY:          ${ratio(intakeRate, copy?.[0].rate)}   (${fixed(intakeRate)} vs ${fixed(copy?.[0].rate)} events/s; target >= 0.3)` +
      `; / COPY with the intake's indexes ${ratio(intakeRate, copy?.[1].rate)}`,
  );
  console.log(
    `  drain / sync ingest:    ${ratio(drainRate, syncRate)}x  (${fixed(drainRate)} vs ${fixed(syncRate)} events/s; target >= 1.5x)` +
      (drainAloneRate === undefined ? '' : `; drainers alone ${ratio(drainAloneRate, syncRate)}x (${fixed(drainAloneRate)} events/s)`),
  );
  console.log(`  lag p95 at ${LAG_RATE} events/s:  ${fixed(lagP95, 3)} s (target < 2 s)`);
  if (failures) throw new Error(`${failures} phase(s) did not apply every event`);
}

if (process.argv[2] === 'send') {
  send(JSON.parse(process.env.BENCH_JOB!) as SendJob)
    .then((sent) => process.send!(sent, () => process.exit(0)))
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
