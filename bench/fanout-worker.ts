import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * The client side of the queue fan-out benches, in processes of its own so that neither the
 * subscribers nor the sender share the server's event loop, and what both benches share (the queue
 * they set up, the bare broadcast). Forked by queue-fanout.bench.ts with a role in argv[2]:
 *
 * - `subscribers`: opens `count` sockets (graphql-ws clients subscribed to `queueUpdated`, or plain
 *   `ws` clients of the bare broadcast), stamps every message on receipt and, when asked, joins the
 *   receipts with the sender's response times.
 * - `sender`: opens conversations (or pokes the bare broadcaster) at a steady rate and reports when
 *   each request was sent and answered.
 * - `counting` (queue-saturation.bench.ts): subscribers ({@link connectRaw}) that keep no per-client
 *   receipts, only each event's receipt times, and report when every one of their subscribers has an event.
 *
 * Times are `performance.timeOrigin + performance.now()` in ms: one machine, one clock.
 */

export const now = () => performance.timeOrigin + performance.now();

/** The subscription every API client holds: the fields a queue dashboard shows. */
export const QUEUE_UPDATED = `subscription QueueUpdated($queueId: ID) {
  queueUpdated(queueId: $queueId) { change at queue { id name } conversation { id status priority } stats { waiting assigned longestWaitSeconds averageWaitSeconds agentsOnline breachedToday } }
}`;

export const OPEN = `mutation Open($input: OpenConversationInput!) { openConversation(input: $input) { id status assignee { id } } }`;

export type Mode = 'api' | 'bare';

export type ToSubscribers =
  | { type: 'start'; mode: Mode; url: string; key?: string; queueId?: string; count: number }
  | { type: 'collect'; responded: Record<string, number>; sent: Record<string, number>; keys: string[] }
  | { type: 'stop' };

export type FromSubscribers =
  | { type: 'connected' }
  | { type: 'primed'; sample: string }
  | { type: 'result'; fromResponse: number[]; fromSend: number[]; delivered: number; missing: number; lastReceipt: number; closed: number; errors: string[] }
  | { type: 'failed'; error: string };

export type ToCounters =
  | { type: 'start'; mode: Mode; url: string; key?: string; queueId?: string; count: number }
  /** Forget the arrivals so far (acknowledged with `reset`). */
  | { type: 'reset' }
  /** Each measured event's key and when it was published. */
  | { type: 'collect'; sent: Record<string, number> }
  | { type: 'stop' };

export type FromCounters =
  | { type: 'connected' }
  | { type: 'primed'; sample: string }
  | { type: 'reset' }
  /** Every subscriber of this process has received the event. */
  | { type: 'delivered'; key: string }
  | {
      type: 'result';
      /** Latency from publication, in 0.1 ms buckets: [bucket, count]. */
      histogram: [number, number][];
      /** CPU this process used since the reset, in ms. */
      cpuMs: number;
      delivered: number;
      missing: number;
      lastReceipt: number;
      closed: number;
      errors: string[];
    }
  | { type: 'failed'; error: string };

export interface SenderOptions {
  mode: Mode;
  url: string;
  key?: string;
  queueId?: string;
  rate: number;
  seconds: number;
}

export interface Sent {
  id: string;
  sentAt: number;
  respondedAt: number;
  /** The change events this request should cause. */
  changes: string[];
}

/** Creates a WEB_CHAT queue with `agents` agents ONLINE on it (`capacity` conversations each); returns its id. */
export async function setUpQueue(url: string, key: string, agents: number, capacity: number): Promise<string> {
  const call = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (!body.data) throw new Error(`setup failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const { createQueue } = await call<{ createQueue: { id: string } }>(`mutation($input: CreateQueueInput!) { createQueue(input: $input) { id } }`, {
    input: { name: 'Fan-out', channels: ['WEB_CHAT'] },
  });
  for (let i = 0; i < agents; i++) {
    const { createAgent } = await call<{ createAgent: { id: string } }>(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, {
      input: { name: `Agent ${i}`, skills: [], maxConcurrent: capacity, queueIds: [createQueue.id] },
    });
    await call(`mutation($id: ID!) { setAgentStatus(agentId: $id, status: ONLINE) { id } }`, { id: createAgent.id });
  }
  return createQueue.id;
}

/** Opens a conversation on the queue (as the sender does); resolves once answered. */
export async function openConversation(url: string, key: string, queueId: string, email: string): Promise<{ id: string; assignee: { id: string } | null }> {
  const input = { identifiers: [{ type: 'EMAIL', value: email }], channel: 'WEB_CHAT', body: 'Where is my order?', queueId };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: OPEN, variables: { input } }),
  });
  const body = (await response.json()) as { data?: { openConversation: { id: string; assignee: { id: string } | null } }; errors?: unknown[] };
  if (!body.data) throw new Error(`openConversation failed: ${JSON.stringify(body.errors)}`);
  return body.data.openConversation;
}

/** Asks the bare broadcast for its two frames with this id; resolves once answered. */
export async function pokeBare(url: string, id: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', body: id });
  if (!response.ok) throw new Error(`bare broadcast answered ${response.status}`);
  await response.arrayBuffer();
}

export interface BareBroadcast {
  url: string;
  /** Sends the API's frame, with this conversation id, as ENQUEUED and ASSIGNED to every client. */
  broadcast(id: string): void;
  close(): Promise<void>;
}

/**
 * A bare `ws` server: POST an id and it broadcasts the API's frame (`sample`, with that conversation
 * id) as ENQUEUED and ASSIGNED, serialized once per change; `byAt`: POST an `at` and it broadcasts
 * the frame once with that `at`.
 */
export async function startBareBroadcast(sample: string, options: { byAt?: boolean } = {}): Promise<BareBroadcast> {
  const frame = JSON.parse(sample) as { payload: { data: { queueUpdated: { change: string; at: string; conversation: { id: string } } } } };
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer });
  const broadcast = (id: string) => {
    if (options.byAt) {
      frame.payload.data.queueUpdated.at = id;
      const text = JSON.stringify(frame);
      for (const client of wss.clients) client.send(text);
      return;
    }
    for (const change of ['ENQUEUED', 'ASSIGNED']) {
      frame.payload.data.queueUpdated.change = change;
      frame.payload.data.queueUpdated.conversation.id = id;
      const text = JSON.stringify(frame);
      for (const client of wss.clients) client.send(text);
    }
  };
  httpServer.on('request', (req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      broadcast(body);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    broadcast,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

/** The key of one event: the conversation (or bare message) and its change. */
const keyOf = (message: { data?: { queueUpdated?: { change?: string; conversation?: { id?: string } | null } } }) => {
  const event = message.data?.queueUpdated;
  return event?.conversation?.id ? `${event.conversation.id}:${event.change}` : null;
};

/** One subscriber's connection: `connected` settles when it is open (API: acknowledged, subscription sent). */
export interface Subscriber {
  connected: Promise<void>;
  close(): void;
}

export interface SubscriberTarget {
  url: string;
  key?: string;
  queueId?: string;
}

/**
 * One subscriber: a graphql-ws client subscribed to `queueUpdated`, or a plain `ws` client of the
 * bare broadcast. `receive` gets the receipt time, the `next` payload and (bare) the raw frame;
 * `lost` why the connection or subscription ended.
 */
export function connectSubscriber(
  mode: Mode,
  i: number,
  { url, key, queueId }: SubscriberTarget,
  receive: (at: number, message: unknown, raw?: string) => void,
  lost: (why: string) => void,
): Subscriber {
  if (mode === 'bare') {
    const socket = new WebSocket(url);
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('close', (code) => lost(`bare client ${i} closed (${code})`));
    socket.on('message', (data) => {
      const at = now();
      const raw = data.toString();
      receive(at, (JSON.parse(raw) as { payload: unknown }).payload, raw);
    });
    return { connected, close: () => socket.close() };
  }
  let client: Client | undefined = undefined;
  const connected = new Promise<void>((resolve, reject) => {
    client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${key}` },
      onNonLazyError: (error) => reject(error instanceof Error ? error : new Error(`client ${i} could not connect`)),
      on: {
        connected: () => resolve(),
        closed: (event) => lost(`client ${i} closed (${(event as { code?: number }).code})`),
      },
    });
  });
  client!.subscribe(
    { query: QUEUE_UPDATED, variables: { queueId } },
    {
      next: (value) => receive(now(), value),
      error: (error) => lost(`client ${i} subscription error: ${JSON.stringify(error).slice(0, 300)}`),
      complete: () => lost(`client ${i} subscription completed`),
    },
  );
  return { connected, close: () => void client!.dispose() };
}

/**
 * A subscriber that speaks graphql-transport-ws itself (connection_init, then one subscribe) and
 * hands over each frame unparsed, as a plain `ws` client of the bare broadcast does: the
 * saturation bench reads only `at` out of each, so that the clients cost little and alike per
 * message on both sides and the server is what saturates.
 */
export function connectRaw(
  mode: Mode,
  i: number,
  { url, key, queueId }: SubscriberTarget,
  receive: (at: number, frame: Buffer) => void,
  lost: (why: string) => void,
): Subscriber {
  const socket = mode === 'api' ? new WebSocket(url, 'graphql-transport-ws', { skipUTF8Validation: true }) : new WebSocket(url, { skipUTF8Validation: true });
  let acknowledged = mode === 'bare';
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      if (mode === 'bare') return resolve();
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
      socket.once('message', (data) => {
        if (!String(data).includes('"connection_ack"')) return reject(new Error(`client ${i}: ${String(data).slice(0, 300)}`));
        acknowledged = true;
        socket.send(JSON.stringify({ id: randomUUID(), type: 'subscribe', payload: { query: QUEUE_UPDATED, variables: { queueId } } }));
        resolve();
      });
    });
  });
  socket.on('close', (code) => lost(`client ${i} closed (${code})`));
  socket.on('message', (data: Buffer) => {
    if (acknowledged) receive(now(), data);
  });
  return { connected, close: () => socket.close() };
}

/** Opens `count` subscribers, 25 at a time. */
export async function connectSubscribers(count: number, connect: (i: number) => Subscriber, opened: Subscriber[]): Promise<void> {
  for (let i = 0; i < count; i += 25) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 25); j++) {
      const subscriber = connect(j);
      opened.push(subscriber);
      batch.push(subscriber.connected);
    }
    await Promise.all(batch);
  }
}

function subscribers() {
  const receipts: Map<string, number>[] = [];
  const errors: string[] = [];
  let stopping = false;
  let closed = 0;
  let sample = '';
  let primed = false;
  const sockets: Subscriber[] = [];
  const send = (message: FromSubscribers) => process.send!(message);

  const receive = (client: number, at: number, message: unknown, raw?: string) => {
    const key = keyOf(message as never);
    if (!key) {
      if ((message as { errors?: unknown }).errors) errors.push(JSON.stringify((message as { errors: unknown }).errors).slice(0, 300));
      return;
    }
    receipts[client].set(key, at);
    if (!sample) sample = raw ?? JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', type: 'next', payload: message });
    if (!primed && receipts.every((r) => r.size > 0)) {
      primed = true;
      send({ type: 'primed', sample });
    }
  };
  const lost = (why: string) => {
    if (stopping) return;
    closed++;
    if (errors.length < 20) errors.push(why);
  };

  const collect = async ({ responded, sent, keys }: Extract<ToSubscribers, { type: 'collect' }>) => {
    // wait for the stragglers: until every client has every key, or 15 s without progress
    const have = () => receipts.reduce((sum, r) => sum + keys.filter((key) => r.has(key)).length, 0);
    const want = keys.length * receipts.length;
    let last = -1;
    let quietSince = now();
    for (let got = have(); got < want && now() - quietSince < 15_000; got = have()) {
      if (got !== last) [last, quietSince] = [got, now()];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const fromResponse: number[] = [];
    const fromSend: number[] = [];
    let lastReceipt = 0;
    for (const r of receipts)
      for (const key of keys) {
        const at = r.get(key);
        if (at === undefined) continue;
        fromResponse.push(at - responded[key]);
        fromSend.push(at - sent[key]);
        lastReceipt = Math.max(lastReceipt, at);
      }
    send({ type: 'result', fromResponse, fromSend, delivered: fromResponse.length, missing: want - fromResponse.length, lastReceipt, closed, errors });
  };

  process.on('message', (message: ToSubscribers) => {
    if (message.type === 'start') {
      const { mode, count } = message;
      void (async () => {
        await connectSubscribers(
          count,
          (i) => {
            receipts.push(new Map());
            return connectSubscriber(mode, i, message, (at, payload, raw) => receive(i, at, payload, raw), lost);
          },
          sockets,
        );
        send({ type: 'connected' });
      })().catch((error) => send({ type: 'failed', error: String(error?.message ?? error) }));
    } else if (message.type === 'collect') {
      void collect(message);
    } else {
      stopping = true;
      for (const socket of sockets) socket.close();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

/**
 * Subscribers for the saturation bench. An event is known by its `at` (the publisher makes each
 * unique). Per event they keep only its receipt times (not a map per client: 10,000 subscribers hear
 * a great many events), and say `delivered` when all of theirs have it, which is what the
 * publisher's window waits for.
 */
function counting() {
  const errors: string[] = [];
  const heard = new Set<number>();
  let arrivals = new Map<string, number[]>();
  let cpu = process.cpuUsage();
  let count = 0;
  let stopping = false;
  let closed = 0;
  let sample = '';
  const sockets: Subscriber[] = [];
  const send = (message: FromCounters) => process.send!(message);

  const AT = Buffer.from('"at":"');
  const receive = (client: number, at: number, frame: Buffer) => {
    // `at` is the first field of that name in a queueUpdated frame (24 characters of ISO time)
    const start = frame.indexOf(AT);
    if (start < 0 || frame.indexOf('"type":"next"') < 0) {
      if (errors.length < 20) errors.push(frame.toString().slice(0, 300));
      return;
    }
    const key = frame.toString('latin1', start + AT.length, start + AT.length + 24);
    if (heard.size < count) {
      heard.add(client);
      if (!sample) sample = frame.toString();
      if (heard.size === count) send({ type: 'primed', sample });
      return;
    }
    let times = arrivals.get(key);
    if (!times) arrivals.set(key, (times = []));
    times.push(at);
    if (times.length === count) send({ type: 'delivered', key });
  };
  const lost = (why: string) => {
    if (stopping) return;
    closed++;
    if (errors.length < 20) errors.push(why);
  };

  const collect = ({ sent }: Extract<ToCounters, { type: 'collect' }>) => {
    const buckets = new Map<number, number>();
    let delivered = 0;
    let lastReceipt = 0;
    const keys = Object.keys(sent);
    for (const key of keys)
      for (const at of arrivals.get(key) ?? []) {
        const bucket = Math.round((at - sent[key]) * 10);
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
        delivered++;
        if (at > lastReceipt) lastReceipt = at;
      }
    const used = process.cpuUsage(cpu);
    send({
      type: 'result',
      histogram: [...buckets],
      cpuMs: (used.user + used.system) / 1000,
      delivered,
      missing: keys.length * count - delivered,
      lastReceipt,
      closed,
      errors,
    });
  };

  process.on('message', (message: ToCounters) => {
    if (message.type === 'start') {
      count = message.count;
      const { mode } = message;
      connectSubscribers(count, (i) => connectRaw(mode, i, message, (at, frame) => receive(i, at, frame), lost), sockets).then(
        () => send({ type: 'connected' }),
        (error) => send({ type: 'failed', error: String(error?.message ?? error) }),
      );
    } else if (message.type === 'reset') {
      arrivals = new Map();
      cpu = process.cpuUsage();
      send({ type: 'reset' });
    } else if (message.type === 'collect') {
      collect(message);
    } else {
      stopping = true;
      for (const socket of sockets) socket.close();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

async function sender(options: SenderOptions): Promise<Sent[]> {
  const results: Sent[] = [];
  const total = Math.round(options.rate * options.seconds);
  const started = now();
  let person = 0;
  const one = async (): Promise<void> => {
    const n = ++person;
    const sentAt = now();
    if (options.mode === 'bare') {
      const id = `bare-${process.pid}-${n}-`.padEnd(36, '0');
      await pokeBare(options.url, id);
      results.push({ id, sentAt, respondedAt: now(), changes: ['ENQUEUED', 'ASSIGNED'] });
      return;
    }
    const { id, assignee } = await openConversation(options.url, options.key!, options.queueId!, `fanout${n}.${process.pid}@bench.test`);
    const respondedAt = now();
    results.push({ id, sentAt, respondedAt, changes: assignee ? ['ENQUEUED', 'ASSIGNED'] : ['ENQUEUED'] });
  };
  // open loop: request i leaves at started + i / rate whether or not earlier ones were answered
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / options.rate - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one());
  }
  await Promise.all(pending);
  return results;
}

if (process.argv[2] === 'subscribers') subscribers();
else if (process.argv[2] === 'counting') counting();
else if (process.argv[2] === 'sender')
  sender(JSON.parse(process.argv[3]) as SenderOptions)
    .then((results) => process.send!(results, () => process.exit(0)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
