import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import { Pool } from 'pg';
import { BUS_CHANNEL } from '../src/events/bus';
import { postgresCpuMeter, startBenchServer } from './support';
import {
  now,
  openConversation,
  pokeBare,
  setUpQueue,
  startBareBroadcast,
  type FromCounters,
  type Mode,
  type SubscriberTarget,
  type ToCounters,
} from './fanout-worker';

/**
 * Queue fan-out at saturation: queue events published as fast as the server delivers them, to 1,000
 * and to 10,000 graphql-ws subscribers of `queueUpdated` and to as many plain `ws` clients of a bare
 * broadcast of the same payload. The publisher (this process) keeps a bounded number of events in
 * flight (`BENCH_WINDOW`): each lane publishes one event, waits until every subscriber has received
 * it, then publishes the next; both sides are measured alike, turn about. The API's events come as
 * another server process's do, through the bus (a NOTIFY on its channel: ENQUEUED and ASSIGNED of
 * conversations opened beforehand, each with an `at` of its own, which is how subscribers tell them
 * apart), so that the fan-out is measured rather than `openConversation`, whose routing serializes on
 * the queue; the bare server's come by POST. Each server runs in a process of its own, with
 * `npm start`'s flags; the subscribers in several client processes.
 */
const COUNTS = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
/** Seconds per measured round; the sides take turns, ROUNDS rounds each, after a warm-up each. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 3);
/** Events in flight at once. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 8);
const PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
/** An event that has not reached every subscriber by then is given up on (its missing deliveries are drops). */
const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 10_000);
/** Also measure the API's memory per subscriber without `--max-semi-space-size=64` (a server of its own, connected and primed only). */
const PLAIN_NODE = process.env.BENCH_PLAIN_NODE !== '0';
const AGENTS = 10;
/** Conversations opened before measuring; the events published name them in turn. */
const CONVERSATIONS = 20;
const SEMI_SPACE = '--max-semi-space-size=64';

type ToServer = { type: 'memory' } | { type: 'cpu' } | { type: 'stop' };
type FromServer =
  | { type: 'ready'; url: string; key?: string; queueId?: string; workspaceId?: string; databaseUrl?: string; conversations?: string[] }
  | { type: 'memory'; rss: number; heap: number; young: number }
  | { type: 'cpu'; server: number; postgres: number };
type Ready = Extract<FromServer, { type: 'ready' }>;
type Result = Extract<FromCounters, { type: 'result' }>;

interface Figures {
  subscribers: number;
  /** Deliveries over the rounds' time from first publication to last receipt. */
  messagesPerSecond: number;
  /** Each round's msg/s. */
  rounds: number[];
  eventsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  delivered: number;
  expected: number;
  /** Deliveries that never arrived. */
  drops: number;
  /** Connections lost. */
  closed: number;
  /** Events given up on after STALL_MS. */
  stalled: number;
  rssPerSubscriber: number;
  /** RSS less what the young generation (new space) grew by: a reserve of the process, bounded by `--max-semi-space-size`. */
  rssLessYoungPerSubscriber: number;
  heapPerSubscriber: number;
  /** The young generation's size after, in bytes. */
  young: number;
  /** Shares of one core while measured. */
  serverCpu: number;
  postgresCpu: number;
  /** The subscriber processes', summed, and the publisher's (this process). */
  clientCpu: number;
  publisherCpu: number;
  payloadBytes: number;
}

/** Server memory per subscriber (bytes), and the young generation's size after. */
interface Memory {
  rss: number;
  rssLessYoung: number;
  heap: number;
  young: number;
}

/** One measured round of a side: what was published when, and what the subscriber processes received of it. */
interface Round {
  sent: Record<string, number>;
  stalled: number;
  elapsedMs: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  publisherCpuMs: number;
  results: Result[];
}

const here = __filename;
const worker = path.join(__dirname, 'fanout-worker.js');

/** The next message of a type from a child; rejects if it fails or exits first. */
function next<T extends { type: string }, K extends T['type']>(child: ChildProcess, type: K): Promise<Extract<T, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type === 'failed') reject(new Error(`child process: ${(message as { error?: string }).error}`));
      else if (message.type === type) resolve(message as Extract<T, { type: K }>);
      else return;
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onExit = (code: number | null) => reject(new Error(`a child process exited with ${code} while waiting for "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function ask<K extends FromServer['type']>(server: ChildProcess, message: ToServer & { type: K }): Promise<Extract<FromServer, { type: K }>> {
  const answer = next<FromServer, K>(server, message.type);
  server.send(message);
  return answer;
}

async function stop(child: ChildProcess, message: ToServer | ToCounters): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send(message);
  await exited;
}

/**
 * One side at one count, ready to be measured: its server, its subscribers connected (the server's
 * memory measured around it, after gc) and primed (graphql-ws acknowledges no subscription: events
 * are published until every subscriber has heard one).
 */
class Side {
  private n = 0;
  private readonly base = Date.now();
  /** Subscriber processes that have an event to all their subscribers, by event. */
  private readonly done = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();
  /** NOTIFYs go out on connections of their own, one per lane. */
  private bus?: Pool;
  private readonly children: ChildProcess[] = [];
  memory: Memory = { rss: NaN, rssLessYoung: NaN, heap: NaN, young: NaN };
  sample = '';

  private constructor(
    readonly mode: Mode,
    readonly subscribers: number,
    private readonly server: ChildProcess,
    private readonly ready: Ready,
  ) {}

  static async open(mode: Mode, subscribers: number, sample: string, plain = false): Promise<Side> {
    const server = fork(here, [`${mode}-server`, sample], {
      execArgv: [...(plain ? [] : [SEMI_SPACE]), '--expose-gc', ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean)],
    });
    const side = new Side(mode, subscribers, server, await next<FromServer, 'ready'>(server, 'ready'));
    try {
      await side.connect();
      return side;
    } catch (error) {
      await side.close();
      throw error;
    }
  }

  private async connect(): Promise<void> {
    const { mode, subscribers, server, ready } = this;
    if (mode === 'api') {
      this.bus = new Pool({ connectionString: ready.databaseUrl, max: WINDOW });
    }
    const before = await ask(server, { type: 'memory' });
    const processes = Math.min(PROCESSES, subscribers);
    for (let i = 0; i < processes; i++) {
      const child = fork(worker, ['counting'], { execArgv: [] });
      this.children.push(child);
      // the window: a lane's next event waits until every subscriber process has its previous one
      child.on('message', (message: FromCounters) => {
        if (message.type !== 'delivered') return;
        const count = (this.done.get(message.key) ?? 0) + 1;
        this.done.set(message.key, count);
        if (count === processes) this.waiting.get(message.key)?.();
      });
    }
    const target: SubscriberTarget = { url: ready.url.replace(/^http/, 'ws'), key: ready.key, queueId: ready.queueId };
    await Promise.all(
      this.children.map((child, i) => {
        const count = Math.floor(subscribers / processes) + (i < subscribers % processes ? 1 : 0);
        const connected = next<FromCounters, 'connected'>(child, 'connected');
        child.send({ type: 'start', mode, ...target, count } satisfies ToCounters);
        return connected;
      }),
    );
    const primed = Promise.all(this.children.map((child) => next<FromCounters, 'primed'>(child, 'primed')));
    let heard = false;
    primed.then(
      () => (heard = true),
      () => {},
    );
    const deadline = Date.now() + 120_000;
    while (!heard) {
      if (Date.now() > deadline) throw new Error(`${mode}: not every subscriber heard an event within 120 s`);
      await this.publish();
      await Promise.race([primed, new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    this.sample = (await primed)[0].sample;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the priming events drain
    const after = await ask(server, { type: 'memory' });
    this.memory = {
      rss: (after.rss - before.rss) / subscribers,
      rssLessYoung: (after.rss - after.young - (before.rss - before.young)) / subscribers,
      heap: (after.heap - before.heap) / subscribers,
      young: after.young,
    };
  }

  /** One event: a NOTIFY on the API's bus, a POST to the bare server; each with an `at` of its own, a millisecond apart. */
  private async publish(): Promise<{ sentAt: number; key: string }> {
    const at = new Date(this.base + ++this.n).toISOString();
    const sentAt = now();
    if (this.mode === 'bare') await pokeBare(this.ready.url, at);
    else {
      const { workspaceId: ws, queueId, conversations } = this.ready;
      const conversationId = conversations![this.n % conversations!.length];
      const payload = { ws, queueId, change: this.n % 2 ? 'ENQUEUED' : 'ASSIGNED', conversationId, at };
      await this.bus!.query('select pg_notify($1, $2)', [BUS_CHANNEL, JSON.stringify({ origin: 'queue-saturation-bench', topic: 'QUEUE_UPDATED', payload })]);
    }
    return { sentAt, key: at };
  }

  /** Whether every subscriber has the event within STALL_MS. */
  private delivered(key: string): Promise<boolean> {
    if (this.done.get(key) === this.children.length) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(false);
      }, STALL_MS);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(true);
      });
    });
  }

  private tell<K extends FromCounters['type']>(message: ToCounters, answer: K): Promise<Extract<FromCounters, { type: K }>[]> {
    return Promise.all(
      this.children.map((child) => {
        const answered = next<FromCounters, K>(child, answer);
        child.send(message);
        return answered;
      }),
    );
  }

  /** Publishes for `seconds` with WINDOW events in flight, then asks what each subscriber process received of them. */
  async run(seconds: number): Promise<Round> {
    await this.tell({ type: 'reset' }, 'reset');
    this.done.clear();
    const sent: Record<string, number> = {};
    let stalled = 0;
    const cpu = await ask(this.server, { type: 'cpu' });
    const own = process.cpuUsage();
    const started = now();
    const end = started + seconds * 1000;
    const lane = async () => {
      while (now() < end) {
        const { sentAt, key } = await this.publish();
        sent[key] = sentAt;
        if (!(await this.delivered(key))) stalled++;
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const elapsedMs = now() - started;
    const publisher = process.cpuUsage(own);
    const cpuAfter = await ask(this.server, { type: 'cpu' });
    const results = await this.tell({ type: 'collect', sent }, 'result');
    return {
      sent,
      stalled,
      elapsedMs,
      serverCpuMs: cpuAfter.server - cpu.server,
      postgresCpuMs: cpuAfter.postgres - cpu.postgres,
      publisherCpuMs: (publisher.user + publisher.system) / 1000,
      results,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((child) => stop(child, { type: 'stop' })));
    await this.bus?.end();
    await stop(this.server, { type: 'stop' });
  }
}

/** Percentiles (ms) of a histogram of 0.1 ms buckets. */
function histogramPercentiles(buckets: Map<number, number>): (p: number) => number {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  return (p) => {
    const rank = Math.ceil((p / 100) * total);
    let seen = 0;
    for (const [bucket, count] of sorted) if ((seen += count) >= rank) return bucket / 10;
    return NaN;
  };
}

/** A side's figures over its rounds. */
function figures(side: Side, rounds: Round[]): Figures {
  const buckets = new Map<number, number>();
  const errors: string[] = [];
  const rates: number[] = [];
  let [delivered, expected, closed, spanMs, events] = [0, 0, 0, 0, 0];
  for (const round of rounds) {
    const keys = Object.keys(round.sent).length;
    let got = 0;
    for (const result of round.results) {
      for (const [bucket, count] of result.histogram) buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
      got += result.delivered;
      errors.push(...result.errors);
    }
    const span = Math.max(...round.results.map((r) => r.lastReceipt)) - Math.min(...Object.values(round.sent));
    rates.push(got / (span / 1000));
    delivered += got;
    expected += keys * side.subscribers;
    spanMs += span;
    events += keys;
  }
  // connections lost so far, as the last round's processes count them
  for (const result of rounds[rounds.length - 1].results) closed += result.closed;
  if (errors.length) console.warn(`  ${side.mode} at ${side.subscribers}: ${errors.length} errors, e.g. ${[...new Set(errors)].slice(0, 3).join('; ')}`);
  const at = histogramPercentiles(buckets);
  const elapsed = rounds.reduce((sum, r) => sum + r.elapsedMs, 0);
  return {
    subscribers: side.subscribers,
    messagesPerSecond: delivered / (spanMs / 1000),
    rounds: rates,
    eventsPerSecond: events / (spanMs / 1000),
    p50: at(50),
    p95: at(95),
    p99: at(99),
    delivered,
    expected,
    drops: expected - delivered,
    closed,
    stalled: rounds.reduce((sum, r) => sum + r.stalled, 0),
    rssPerSubscriber: side.memory.rss,
    rssLessYoungPerSubscriber: side.memory.rssLessYoung,
    heapPerSubscriber: side.memory.heap,
    young: side.memory.young,
    serverCpu: rounds.reduce((sum, r) => sum + r.serverCpuMs, 0) / elapsed,
    postgresCpu: rounds.reduce((sum, r) => sum + r.postgresCpuMs, 0) / elapsed,
    clientCpu: rounds.reduce((sum, r) => sum + r.results.reduce((all, result) => all + result.cpuMs, 0), 0) / elapsed,
    publisherCpu: rounds.reduce((sum, r) => sum + r.publisherCpuMs, 0) / elapsed,
    payloadBytes: Buffer.byteLength(side.sample),
  };
}

/** One count: both sides connected at once, each warmed up, then measured turn about, so that a busy neighbour weighs on both alike. */
async function compare(subscribers: number): Promise<{ api: Figures; bare: Figures }> {
  const api = await Side.open('api', subscribers, '');
  let bare: Side | undefined;
  try {
    bare = await Side.open('bare', subscribers, api.sample);
    await api.run(WARM_UP_SECONDS);
    await bare.run(WARM_UP_SECONDS);
    const rounds = { api: [] as Round[], bare: [] as Round[] };
    for (let i = 0; i < ROUNDS; i++) {
      rounds.api.push(await api.run(SECONDS));
      rounds.bare.push(await bare.run(SECONDS));
    }
    return { api: figures(api, rounds.api), bare: figures(bare, rounds.bare) };
  } finally {
    await bare?.close();
    await api.close();
  }
}

/** The API's memory per subscriber, connected and primed, without `npm start`'s young-generation flag. */
async function plainMemory(subscribers: number): Promise<Memory> {
  const side = await Side.open('api', subscribers, '', true);
  await side.close();
  return side.memory;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const cell = (value: number, digits: number, width = 10) => (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);
const HEADINGS = ['msg/s', 'events/s', 'p50 ms', 'p95 ms', 'p99 ms', 'drops', 'RSS/sub', 'heap/sub', 'server', 'pg'];
const row = (label: string, f: Figures) =>
  `  ${label.padEnd(28)}${cell(f.messagesPerSecond, 0)}${cell(f.eventsPerSecond, 1)}${cell(f.p50, 1)}${cell(f.p95, 1)}${cell(f.p99, 1)}` +
  `${cell(f.drops + f.closed, 0)}${cell(f.rssPerSubscriber / 1024, 1)}${cell(f.heapPerSubscriber / 1024, 1)}${cell(f.serverCpu * 100, 0, 9)}%${cell(f.postgresCpu * 100, 0, 9)}%`;

function report(api: Figures, bare: Figures, plain?: Memory): number {
  const rateRatio = api.messagesPerSecond / bare.messagesPerSecond;
  console.log(
    `\nqueue saturation: ${api.subscribers} subscribers in ${Math.min(PROCESSES, api.subscribers)} client processes, ${WINDOW} events in flight, ` +
      `${ROUNDS} rounds of ${SECONDS} s each side after ${WARM_UP_SECONDS} s warm-up, payload ${api.payloadBytes} bytes`,
  );
  console.log(`  ${''.padEnd(28)}${HEADINGS.map((h) => h.padStart(10)).join('')}`);
  console.log(row('queueUpdated (graphql-ws)', api));
  console.log(row('bare ws broadcast', bare));
  console.log(`  msg/s by round: API ${api.rounds.map((r) => r.toFixed(0)).join(', ')}; bare ${bare.rounds.map((r) => r.toFixed(0)).join(', ')}`);
  const share = (value: number) => `${(value * 100).toFixed(0)}%`;
  console.log(
    `  CPU of the subscriber processes (summed) and of the publisher: API ${share(api.clientCpu)}, ${share(api.publisherCpu)}; bare ${share(bare.clientCpu)}, ${share(bare.publisherCpu)}`,
  );
  console.log(
    `  delivered ${api.delivered}/${api.expected} (API: ${api.stalled} events stalled, ${api.closed} connections lost), ` +
      `${bare.delivered}/${bare.expected} (bare: ${bare.stalled} stalled, ${bare.closed} lost)`,
  );
  console.log(
    `  ratios API / bare: msg/s ${rateRatio.toFixed(2)}, p95 ${(api.p95 / bare.p95).toFixed(2)}, ` +
      `RSS/sub ${(api.rssPerSubscriber / bare.rssPerSubscriber).toFixed(1)}, heap/sub ${(api.heapPerSubscriber / bare.heapPerSubscriber).toFixed(1)}`,
  );
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `  API RSS/sub less the young generation's growth: ${kb(api.rssLessYoungPerSubscriber)} (new space ${mb(api.young)} after; bare ${kb(bare.rssLessYoungPerSubscriber)})`,
  );
  if (plain)
    console.log(
      `  API without ${SEMI_SPACE}: ${kb(plain.rss)} RSS (${kb(plain.rssLessYoung)} less the young generation, new space ${mb(plain.young)}), ${kb(plain.heap)} heap per subscriber`,
    );
  return rateRatio;
}

async function main() {
  const started = now();
  console.log(
    '  latency from publication (NOTIFY or POST sent) to each receipt; memory per subscriber in KB, after gc, from before the subscribers connected; ' +
      'server and PostgreSQL CPU as a share of one core while measured',
  );
  const outcomes: { subscribers: number; rateRatio: number; drops: number; rss: number; rssLessYoung: number; heap: number }[] = [];
  for (const subscribers of COUNTS) {
    const { api, bare } = await compare(subscribers);
    const plain = PLAIN_NODE ? await plainMemory(subscribers) : undefined;
    const rateRatio = report(api, bare, plain);
    outcomes.push({
      subscribers,
      rateRatio,
      drops: api.drops + api.closed,
      rss: api.rssPerSubscriber,
      rssLessYoung: api.rssLessYoungPerSubscriber,
      heap: api.heapPerSubscriber,
    });
  }
  const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
  console.log('\ntargets');
  const thousand = outcomes.find((o) => o.subscribers === 1000);
  if (thousand) console.log(`  msg/s >= 0.5 of bare at 1,000 subscribers: ${verdict(thousand.rateRatio >= 0.5)} (${thousand.rateRatio.toFixed(2)})`);
  const tenThousand = outcomes.find((o) => o.subscribers === 10_000);
  if (tenThousand) console.log(`  10,000 subscribers held with no drops: ${verdict(tenThousand.drops === 0)} (${tenThousand.drops} drops)`);
  for (const o of outcomes)
    console.log(
      `  <= 16 KB server memory per subscriber at ${o.subscribers} (heap, and RSS less the young generation): ` +
        `${verdict(Math.max(o.rssLessYoung, o.heap) <= 16 * 1024)} (heap ${kb(o.heap)}, RSS ${kb(o.rssLessYoung)}; ${kb(o.rss)} with the young generation's growth)`,
    );
  console.log(`  (${((now() - started) / 1000).toFixed(0)} s in all)`);
}

/** The API as a server child: a fresh bench server, a queue with conversations, memory and CPU on request. */
async function apiServer() {
  const bench = await startBenchServer();
  const { url } = bench.server;
  const queueId = await setUpQueue(url, bench.adminKey, AGENTS, 100);
  const conversations: string[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) conversations.push((await openConversation(url, bench.adminKey, queueId, `saturation${i}@bench.test`)).id);
  const postgres = await postgresCpuMeter(bench.orm);
  serve(
    { type: 'ready', url, key: bench.adminKey, queueId, workspaceId: bench.workspaceId, databaseUrl: bench.database.url, conversations },
    postgres,
    bench.stop,
  );
}

async function bareServer(sample: string) {
  const bare = await startBareBroadcast(sample, { byAt: true });
  serve({ type: 'ready', url: bare.url }, () => 0, bare.close);
}

function serve(ready: Ready, postgres: () => number, close: () => Promise<void>) {
  const gc = (globalThis as { gc?: () => void }).gc!;
  process.on('message', (message: ToServer) => {
    if (message.type === 'memory') {
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      const young = v8
        .getHeapSpaceStatistics()
        .filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
        .reduce((sum, space) => sum + space.physical_space_size, 0);
      process.send!({ type: 'memory', rss, heap: heapUsed, young } satisfies FromServer);
    } else if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ type: 'cpu', server: (user + system) / 1000, postgres: postgres() } satisfies FromServer);
    } else void close().then(() => process.exit(0), fail);
  });
  process.send!(ready);
}

const fail = (error: unknown) => {
  console.error(error);
  process.exit(1);
};
if (process.argv[2] === 'api-server') apiServer().catch(fail);
else if (process.argv[2] === 'bare-server') bareServer(process.argv[3]).catch(fail);
else main().catch(fail);
