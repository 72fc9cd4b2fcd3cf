import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startBenchServer } from './support';
import {
  now,
  openConversation,
  setUpQueue,
  startBareBroadcast,
  type FromSubscribers,
  type Mode,
  type Sent,
  type SenderOptions,
  type ToSubscribers,
} from './fanout-worker';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
/** Conversations opened per second; each is ENQUEUED and ASSIGNED, so twice as many queue events. */
const RATE = Number(process.env.BENCH_RATE ?? 5);
const PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
const AGENTS = 10;

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Memory {
  rss: number;
  heap: number;
}
const memory = (): Memory => {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
};

interface Figures {
  p50: number;
  p95: number;
  p99: number;
  /** From the request leaving the sender, for reference. */
  sendP50: number;
  sendP95: number;
  messagesPerSecond: number;
  delivered: number;
  expected: number;
  rssPerSubscriber: number;
  heapPerSubscriber: number;
  payloadBytes: number;
  /** CPU the server process used while sending and draining, as a share of one core. */
  serverCpu: number;
  sample: string;
}

const worker = path.join(__dirname, 'fanout-worker.js');
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const next = (child: ChildProcess, type: FromSubscribers['type']) =>
  new Promise<FromSubscribers>((resolve, reject) => {
    const onMessage = (message: FromSubscribers) => {
      if (message.type === 'failed') reject(new Error(`subscriber process: ${message.error}`));
      else if (message.type === type) resolve(message);
      else return;
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onExit = (code: number | null) => reject(new Error(`a subscriber process exited with ${code} while waiting for "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

async function send(options: SenderOptions): Promise<Sent[]> {
  const child = fork(worker, ['sender', JSON.stringify(options)], { execArgv: [] });
  return new Promise<Sent[]>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Sent[]));
    child.once('exit', (code) => reject(new Error(`the sending process exited with ${code}`)));
  });
}

/**
 * One phase: connect the subscribers (memory measured around it), poke until every client has heard
 * something, then send at the steady rate for the measured period and join the receipts.
 */
async function phase(mode: Mode, target: { wsUrl: string; sendUrl: string; key?: string; queueId?: string }, poke: () => Promise<void>): Promise<Figures> {
  const before = memory();
  const children = Array.from({ length: PROCESSES }, () => fork(worker, ['subscribers'], { execArgv: [] }));
  try {
    await Promise.all(
      children.map((child, i) => {
        const count = Math.floor(SUBSCRIBERS / PROCESSES) + (i < SUBSCRIBERS % PROCESSES ? 1 : 0);
        const connected = next(child, 'connected');
        child.send({ type: 'start', mode, url: target.wsUrl, key: target.key, queueId: target.queueId, count } satisfies ToSubscribers);
        return connected;
      }),
    );
    // graphql-ws acknowledges no subscription: poke until every client has received an event
    const primed = Promise.all(children.map((child) => next(child, 'primed')));
    let ready = false;
    void primed.then(
      () => (ready = true),
      () => {},
    );
    const deadline = Date.now() + 60_000;
    while (!ready) {
      if (Date.now() > deadline) throw new Error(`${mode}: not every subscriber heard an event within 60 s`);
      await poke();
      await Promise.race([primed, new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    const sample = ((await primed)[0] as Extract<FromSubscribers, { type: 'primed' }>).sample;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the warm-up events drain
    const after = memory();

    const cpu = process.cpuUsage();
    const wallStart = now();
    const sent = await send({ mode, url: target.sendUrl, key: target.key, queueId: target.queueId, rate: RATE, seconds: SECONDS });
    const responded: Record<string, number> = {};
    const sentAt: Record<string, number> = {};
    for (const request of sent)
      for (const change of request.changes) {
        responded[`${request.id}:${change}`] = request.respondedAt;
        sentAt[`${request.id}:${change}`] = request.sentAt;
      }
    const keys = Object.keys(responded);
    const results = (await Promise.all(
      children.map((child) => {
        const result = next(child, 'result');
        child.send({ type: 'collect', responded, sent: sentAt, keys } satisfies ToSubscribers);
        return result;
      }),
    )) as Extract<FromSubscribers, { type: 'result' }>[];

    const used = process.cpuUsage(cpu);
    const serverCpu = (used.user + used.system) / 1000 / (now() - wallStart);
    const problems = results.flatMap((r) => r.errors);
    const closed = results.reduce((sum, r) => sum + r.closed, 0);
    const missing = results.reduce((sum, r) => sum + r.missing, 0);
    if (closed || problems.length) throw new Error(`${mode}: ${closed} connections lost, ${problems.length} errors: ${problems.slice(0, 5).join('; ')}`);
    if (missing) throw new Error(`${mode}: ${missing} of ${keys.length * SUBSCRIBERS} deliveries never arrived`);

    const fromResponse = results.flatMap((r) => r.fromResponse).sort((a, b) => a - b);
    const fromSend = results.flatMap((r) => r.fromSend).sort((a, b) => a - b);
    const firstSent = Math.min(...sent.map((s) => s.sentAt));
    const lastReceipt = Math.max(...results.map((r) => r.lastReceipt));
    return {
      p50: percentile(fromResponse, 50),
      p95: percentile(fromResponse, 95),
      p99: percentile(fromResponse, 99),
      sendP50: percentile(fromSend, 50),
      sendP95: percentile(fromSend, 95),
      messagesPerSecond: fromResponse.length / ((lastReceipt - firstSent) / 1000),
      delivered: fromResponse.length,
      expected: keys.length * SUBSCRIBERS,
      rssPerSubscriber: (after.rss - before.rss) / SUBSCRIBERS,
      heapPerSubscriber: (after.heap - before.heap) / SUBSCRIBERS,
      payloadBytes: Buffer.byteLength(sample),
      serverCpu,
      sample,
    };
  } finally {
    for (const child of children) if (child.connected) child.send({ type: 'stop' } satisfies ToSubscribers);
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
  }
}

async function api(): Promise<Figures> {
  const { server, adminKey, stop } = await startBenchServer();
  try {
    const queueId = await setUpQueue(server.url, adminKey, AGENTS, 100);
    if (RATE * SECONDS + 200 > AGENTS * 100) console.warn(`  (more conversations than agent capacity: later ones stay ENQUEUED)`);
    let warm = 0;
    const poke = () => openConversation(server.url, adminKey, queueId, `warm${++warm}@bench.test`).then(() => {});
    return await phase('api', { wsUrl: server.url.replace(/^http/, 'ws'), sendUrl: server.url, key: adminKey, queueId }, poke);
  } finally {
    await stop();
  }
}

/** A bare `ws` server in this process: POST a key and it broadcasts the API's frame (with that key) as ENQUEUED and ASSIGNED. */
async function bare(sample: string): Promise<Figures> {
  const bare = await startBareBroadcast(sample);
  let warm = 0;
  try {
    return await phase('bare', { wsUrl: bare.url.replace(/^http/, 'ws'), sendUrl: bare.url }, async () => bare.broadcast(`warm-${++warm}`));
  } finally {
    await bare.close();
  }
}

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(6)} KB`;
const line = (label: string, f: Figures) =>
  `  ${label.padEnd(26)} p50 ${ms(f.p50)}  p95 ${ms(f.p95)}  p99 ${ms(f.p99)}  ${f.messagesPerSecond.toFixed(0).padStart(6)} msg/s  ` +
  `${kb(f.rssPerSubscriber)} RSS, ${kb(f.heapPerSubscriber)} heap per subscriber  (from request p50 ${f.sendP50.toFixed(1)}, p95 ${f.sendP95.toFixed(1)} ms; server CPU ${(f.serverCpu * 100).toFixed(0)}% of a core)`;

/** The bare broadcast runs in a process of its own, so its memory is not muddled by the API server's. */
async function bareElsewhere(sample: string): Promise<Figures> {
  const child = fork(__filename, ['bare', sample], { execArgv: process.execArgv });
  return new Promise<Figures>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Figures));
    child.once('exit', (code) => reject(new Error(`the bare ws process exited with ${code}`)));
  });
}

async function main() {
  const started = now();
  const apiFigures = await api();
  const bareFigures = await bareElsewhere(apiFigures.sample);
  const latencyRatio = apiFigures.p95 / bareFigures.p95;
  const rateRatio = apiFigures.messagesPerSecond / bareFigures.messagesPerSecond;
  console.log(
    `\nqueue fan-out: ${SUBSCRIBERS} subscribers in ${PROCESSES} client processes, ${RATE} conversations/s (${RATE * 2} queue events/s) for ${SECONDS} s, payload ${apiFigures.payloadBytes} bytes`,
  );
  console.log(`  latency from the sender's response to each subscriber's receipt (negative: the event beat the response)`);
  console.log(line('queueUpdated (graphql-ws)', apiFigures));
  console.log(line('bare ws broadcast', bareFigures));
  console.log(`  delivered ${apiFigures.delivered}/${apiFigures.expected} (API), ${bareFigures.delivered}/${bareFigures.expected} (bare)`);
  console.log(`  ratios: API p95 / bare p95 ${latencyRatio.toFixed(2)}, API msg/s / bare msg/s ${rateRatio.toFixed(3)}`);
  const latencyMet = apiFigures.p95 < 100;
  const rateMet = rateRatio >= 0.5;
  console.log(
    `  target p95 < 100 ms: ${latencyMet ? 'met' : 'MISSED'} (${apiFigures.p95.toFixed(1)} ms); msg/s >= 0.5 of bare: ${rateMet ? 'met' : 'MISSED'} (${rateRatio.toFixed(3)})`,
  );
  console.log(`  (${((now() - started) / 1000).toFixed(0)} s in all)`);
}

const fail = (error: unknown) => {
  console.error(error);
  process.exit(1);
};
if (process.argv[2] === 'bare') bare(process.argv[3]).then((figures) => process.send!(figures, () => process.exit(0)), fail);
else main().catch(fail);
