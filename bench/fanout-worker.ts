import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The client side of the queue fan-out bench, in processes of its own so that neither the
 * subscribers nor the sender share the server's event loop. Forked by queue-fanout.bench.ts with a
 * role in argv[2]:
 *
 * - `subscribers`: opens `count` sockets (graphql-ws clients subscribed to `queueUpdated`, or plain
 *   `ws` clients of the bare broadcast), stamps every message on receipt and, when asked, joins the
 *   receipts with the sender's response times.
 * - `sender`: opens conversations (or pokes the bare broadcaster) at a steady rate and reports when
 *   each request was sent and answered.
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

/** The key of one event: the conversation (or bare message) and its change. */
const keyOf = (message: { data?: { queueUpdated?: { change?: string; conversation?: { id?: string } | null } } }) => {
  const event = message.data?.queueUpdated;
  return event?.conversation?.id ? `${event.conversation.id}:${event.change}` : null;
};

function subscribers() {
  const receipts: Map<string, number>[] = [];
  const errors: string[] = [];
  let stopping = false;
  let closed = 0;
  let sample = '';
  let primed = false;
  const sockets: { close(): void }[] = [];
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

  const connectApi = (i: number, url: string, key: string, queueId: string) =>
    new Promise<void>((resolve, reject) => {
      let client: Client | undefined = undefined;
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
      sockets.push({ close: () => void client!.dispose() });
      client.subscribe(
        { query: QUEUE_UPDATED, variables: { queueId } },
        {
          next: (value) => receive(i, now(), value),
          error: (error) => lost(`client ${i} subscription error: ${JSON.stringify(error).slice(0, 300)}`),
          complete: () => lost(`client ${i} subscription completed`),
        },
      );
    });

  const connectBare = (i: number, url: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(url);
      sockets.push(socket);
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.on('close', (code) => lost(`bare client ${i} closed (${code})`));
      socket.on('message', (data) => {
        const at = now();
        const raw = data.toString();
        receive(i, at, (JSON.parse(raw) as { payload: unknown }).payload, raw);
      });
    });

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
      const { mode, url, key, queueId, count } = message;
      void (async () => {
        for (let i = 0; i < count; i += 25) {
          const batch = [];
          for (let j = i; j < Math.min(count, i + 25); j++) {
            receipts.push(new Map());
            batch.push(mode === 'api' ? connectApi(j, url, key!, queueId!) : connectBare(j, url));
          }
          await Promise.all(batch);
        }
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
      const response = await fetch(options.url, { method: 'POST', body: id });
      if (!response.ok) throw new Error(`bare broadcast answered ${response.status}`);
      await response.arrayBuffer();
      results.push({ id, sentAt, respondedAt: now(), changes: ['ENQUEUED', 'ASSIGNED'] });
      return;
    }
    const input = {
      identifiers: [{ type: 'EMAIL', value: `fanout${n}.${process.pid}@bench.test` }],
      channel: 'WEB_CHAT',
      body: 'Where is my order?',
      queueId: options.queueId,
    };
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
      body: JSON.stringify({ query: OPEN, variables: { input } }),
    });
    const body = (await response.json()) as { data?: { openConversation: { id: string; assignee: { id: string } | null } }; errors?: unknown[] };
    const respondedAt = now();
    if (!body.data) throw new Error(`openConversation failed: ${JSON.stringify(body.errors)}`);
    const { id, assignee } = body.data.openConversation;
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
else if (process.argv[2] === 'sender')
  sender(JSON.parse(process.argv[3]) as SenderOptions)
    .then((results) => process.send!(results, () => process.exit(0)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
