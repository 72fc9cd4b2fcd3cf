import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import { startBenchServer } from './support';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 5); // conversations opened (and assigned) per second
const CLIENT_PROCESSES = 2;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/** Starts subscriber processes; resolves when every socket is connected. */
async function subscribers(start: Record<string, unknown>): Promise<ChildProcess[]> {
  const children = Array.from({ length: CLIENT_PROCESSES }, () => fork(path.join(__dirname, 'fanout-clients.js'), { stdio: 'inherit' }));
  await Promise.all(children.map((child, i) => new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ ...start, count: Math.floor(SUBSCRIBERS / CLIENT_PROCESSES) + (i < SUBSCRIBERS % CLIENT_PROCESSES ? 1 : 0) });
  })));
  return children;
}

async function collect(children: ChildProcess[]): Promise<{ arrivals: [string, number][]; failures: number }> {
  const results = await Promise.all(children.map((child) => new Promise<{ arrivals: [string, number][]; failures: number }>((resolve) => {
    child.once('message', (message) => resolve(message as { arrivals: [string, number][]; failures: number }));
    child.send({ stop: true });
  })));
  return { arrivals: results.flatMap((r) => r.arrivals), failures: results.reduce((sum, r) => sum + r.failures, 0) };
}

function figures(label: string, sent: Map<string, number>, arrivals: [string, number][], seconds: number) {
  const latencies = arrivals.filter(([id]) => sent.has(id)).map(([id, at]) => Math.max(0, at - sent.get(id)!)).sort((a, b) => a - b);
  const rate = latencies.length / seconds;
  console.log(`  ${label.padEnd(26)} ${String(latencies.length).padStart(8)} deliveries   ${rate.toFixed(0).padStart(7)} msg/s   p50 ${percentile(latencies, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(latencies, 95).toFixed(1).padStart(6)} ms   p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms`);
  return { rate, p95: percentile(latencies, 95), deliveries: latencies.length };
}

/**
 * 1,000 graphql-ws subscribers of `queueUpdated` while conversations are opened (and assigned by
 * routing) at a steady rate for 30 s; delivery latency from each mutation's response to each
 * subscriber's receipt, messages per second and server memory per subscriber; then the same for a
 * bare `ws` server broadcasting a same-sized payload at the same rate, and the ratios.
 */
async function main() {
  const bench = await startBenchServer();
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(bench.server.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const { createQueue } = await post(`mutation($input: CreateQueueInput!) { createQueue(input: $input) { id } }`, { input: { name: 'Hotline', channels: ['PHONE'] } });
  for (let i = 0; i < 20; i++) {
    const { createAgent } = await post(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, { input: { name: `Agent ${i}`, skills: [], maxConcurrent: 100, queueIds: [createQueue.id] } });
    await post(`mutation($id: ID!) { setAgentStatus(agentId: $id, status: ONLINE) { id } }`, { id: createAgent.id });
  }

  global.gc?.();
  const before = process.memoryUsage();
  const api = await subscribers({ mode: 'api', url: bench.server.url.replace(/^http/, 'ws'), key: bench.adminKey, queueId: createQueue.id });
  await sleep(2000);
  global.gc?.();
  const after = process.memoryUsage();

  const sent = new Map<string, number>();
  const open = `mutation($input: OpenConversationInput!) { openConversation(input: $input) { id status } }`;
  const started = now();
  let n = 0;
  const inFlight: Promise<void>[] = [];
  while (now() - started < SECONDS * 1000) {
    const due = started + (n * 1000) / RATE;
    if (due > now()) await sleep(due - now());
    const i = n++;
    inFlight.push(
      post(open, { input: { identifiers: [{ type: 'PHONE', value: `+86139${String(i).padStart(8, '0')}` }], channel: 'PHONE', body: 'hello' } }).then(({ openConversation }) => {
        const at = now();
        sent.set(`${openConversation.id}:ENQUEUED`, at);
        sent.set(`${openConversation.id}:ASSIGNED`, at);
      }),
    );
  }
  await Promise.all(inFlight);
  await sleep(2000);
  const apiResult = await collect(api);
  console.log(`\nqueueUpdated to ${SUBSCRIBERS} subscribers, ${n} conversations opened and assigned over ${SECONDS} s (${RATE}/s)`);
  const apiFigures = figures('API (graphql-ws)', sent, apiResult.arrivals, SECONDS);
  console.log(`  server memory per subscriber: ${((after.rss - before.rss) / SUBSCRIBERS / 1024).toFixed(1)} KiB RSS, ${((after.heapUsed - before.heapUsed) / SUBSCRIBERS / 1024).toFixed(1)} KiB heap; subscriber errors ${apiResult.failures}`);
  await bench.stop();

  // the same offered load on a bare ws server
  const sample = JSON.stringify({ id: 'x', type: 'next', payload: { data: { queueUpdated: { change: 'ENQUEUED', at: new Date().toISOString(), conversation: { id: '01a2071c-a0e7-73ad-837d-4fed913f2198', status: 'QUEUED' }, stats: { waiting: 1, assigned: 0, agentsOnline: 20 } } } } });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  const bare = await subscribers({ mode: 'bare', url });
  const bareSent = new Map<string, number>();
  const bareStarted = now();
  for (let i = 0; i < n * 2; i++) {
    const due = bareStarted + (i * 1000) / (RATE * 2);
    if (due > now()) await sleep(due - now());
    const id = `b${i}`;
    const payload = sample.replace('"id":"x"', `"id":"${id}"`);
    bareSent.set(id, now());
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(payload);
  }
  await sleep(2000);
  const bareResult = await collect(bare);
  const bareFigures = figures('bare ws broadcast', bareSent, bareResult.arrivals, SECONDS);
  wss.close();
  server.close();
  console.log(`  API / bare: p95 ${(apiFigures.p95 / Math.max(bareFigures.p95, 0.001)).toFixed(2)}x, message rate ${(apiFigures.rate / bareFigures.rate).toFixed(2)} (targets: API p95 < 100 ms, rate >= 0.5 of bare)`);
  if (apiResult.failures > 0 || apiFigures.deliveries === 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
