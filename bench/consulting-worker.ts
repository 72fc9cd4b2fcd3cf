import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The client side of the consulting bench, in processes of its own (forked by
 * consulting.bench.ts with a role in argv[2]), so that neither the customers' HTTP load nor the
 * agents share the server's event loop:
 *
 * - `customers`: each opens a conversation over HTTP and posts its messages at a human pace, and
 *   reports when each request was sent and answered.
 * - `agents`: one graphql-ws client per agent, subscribed to the agent's queue and assignments; on
 *   each assignment it subscribes to the conversation and replies over HTTP to every customer
 *   message, stamping each delivery on receipt.
 *
 * Times are `performance.timeOrigin + performance.now()` in ms: one machine, one clock.
 */

export const now = () => performance.timeOrigin + performance.now();

export interface CustomersStart {
  type: 'start';
  url: string;
  key: string;
  queueId: string;
  /** Customer numbers [first, first + count). */
  first: number;
  count: number;
  messages: number;
  /** When the first openings go out; the others within `spreadMs`. */
  startAt: number;
  spreadMs: number;
  gapMs: [number, number];
}

export interface Timed {
  id: string;
  conversationId: string;
  sentAt: number;
  respondedAt: number;
}

export interface CustomersResult {
  type: 'result';
  opens: Timed[];
  posts: Timed[];
  requests: number;
  errors: string[];
}

export type ToAgents =
  | { type: 'start'; url: string; key: string; queueId: string; agentIds: string[] }
  | { type: 'collect'; messageIds: string[]; conversationIds: string[]; deadlineMs: number }
  | { type: 'stop' };

export interface Receipt {
  agentId: string;
  at: number;
}

export type FromAgents =
  | { type: 'connected' }
  | { type: 'primed' }
  | {
      type: 'result';
      deliveries: Record<string, Receipt>;
      assignments: Record<string, Receipt>;
      /** From a customer message's receipt to the answer to the agent's reply. */
      replyLatencies: number[];
      requests: number;
      errors: string[];
    }
  | { type: 'failed'; error: string };

const OPEN = `mutation Open($input: OpenConversationInput!) { openConversation(input: $input) { id status } }`;
const POST = `mutation Post($input: PostMessageInput!) { postMessage(input: $input) { id createdAt } }`;
const QUEUE_UPDATED = `subscription($queueId: ID) { queueUpdated(queueId: $queueId) { change conversation { id } stats { waiting assigned } } }`;
const AGENT_ASSIGNED = `subscription($agentId: ID!) { agentAssigned(agentId: $agentId) { id status } }`;
const MESSAGES_SO_FAR = `query($id: ID!) { conversation(id: $id) { messages(first: 50) { edges { node { id author body } } } } }`;
const CONVERSATION_UPDATED = `subscription($id: ID!) { conversationUpdated(conversationId: $id) { kind message { id author direction body } } }`;

/** POSTs one operation; answers `data`, or records why not (a non-2xx, GraphQL errors, a failed request) and answers null. */
function caller(url: string, key: string, errors: string[]) {
  const counter = { requests: 0 };
  const call = async (query: string, variables: Record<string, unknown>): Promise<any> => {
    counter.requests += 1;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (response.status !== 200 || body.errors) {
        errors.push(`${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
        return null;
      }
      return body.data;
    } catch (error) {
      errors.push(String(error));
      return null;
    }
  };
  return { call, counter };
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - now())));
const between = ([low, high]: [number, number]) => low + Math.random() * (high - low);

async function customers(start: CustomersStart): Promise<CustomersResult> {
  const errors: string[] = [];
  const { call, counter } = caller(start.url, start.key, errors);
  const opens: Timed[] = [];
  const posts: Timed[] = [];
  const customer = async (n: number) => {
    let at = start.startAt + Math.random() * start.spreadMs;
    await sleepUntil(at);
    const sentAt = now();
    const opened = await call(OPEN, {
      input: {
        identifiers: [{ type: 'EMAIL', value: `customer${n}@consulting.bench` }],
        channel: 'WEB_CHAT',
        body: `Hello, I am customer ${n}`,
        queueId: start.queueId,
      },
    });
    if (!opened) return;
    const conversationId = opened.openConversation.id as string;
    opens.push({ id: conversationId, conversationId, sentAt, respondedAt: now() });
    for (let i = 1; i <= start.messages; i++) {
      at += between(start.gapMs);
      await sleepUntil(at);
      const postedAt = now();
      const posted = await call(POST, { input: { conversationId, author: 'CUSTOMER', direction: 'INBOUND', body: `Question ${i} from customer ${n}` } });
      if (posted) posts.push({ id: posted.postMessage.id, conversationId, sentAt: postedAt, respondedAt: now() });
    }
  };
  await Promise.all(Array.from({ length: start.count }, (_, i) => customer(start.first + i)));
  return { type: 'result', opens, posts, requests: counter.requests, errors };
}

function agents() {
  const errors: string[] = [];
  const deliveries = new Map<string, Receipt>();
  const assignments = new Map<string, Receipt>();
  const replyLatencies = new Map<string, number>();
  const clients: Client[] = [];
  let inFlight = 0;
  let stopping = false;
  let requests = { requests: 0 };
  const send = (message: FromAgents) => process.send!(message);

  const subscribe = (client: Client, query: string, variables: Record<string, unknown>, next: (data: any) => void) =>
    client.subscribe(
      { query, variables },
      {
        next: (message) => (message.errors ? errors.push(JSON.stringify(message.errors).slice(0, 300)) : next(message.data)),
        error: (error) => errors.push(`subscription: ${JSON.stringify(error).slice(0, 300)}`),
        complete: () => {},
      },
    );

  const start = async ({ url, key, queueId, agentIds }: Extract<ToAgents, { type: 'start' }>) => {
    const { call, counter } = caller(url, key, errors);
    requests = counter;
    const heard = new Set<number>();
    await Promise.all(
      agentIds.map(
        (agentId, i) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: url.replace(/^http/, 'ws'),
              webSocketImpl: WebSocket,
              retryAttempts: 0,
              lazy: false,
              connectionParams: { authorization: `Bearer ${key}` },
              onNonLazyError: (error) => reject(error instanceof Error ? error : new Error(`agent ${i} could not connect`)),
              on: {
                connected: () => resolve(),
                closed: (event) => stopping || errors.push(`agent ${i} socket closed (${(event as { code?: number }).code})`),
              },
            });
            clients.push(client);
            subscribe(client, AGENT_ASSIGNED, { agentId }, (data) => {
              const conversationId = data.agentAssigned.id as string;
              assignments.set(conversationId, { agentId, at: now() });
              const deliver = (message: { id: string; author: string; body: string }) => {
                if (message.author !== 'CUSTOMER' || deliveries.has(message.id)) return;
                const receivedAt = now();
                deliveries.set(message.id, { agentId, at: receivedAt });
                inFlight += 1;
                void call(POST, { input: { conversationId, agentId, author: 'AGENT', direction: 'OUTBOUND', body: `Re: ${message.body}` } }).then((reply) => {
                  inFlight -= 1;
                  if (reply) replyLatencies.set(message.id, now() - receivedAt);
                });
              };
              subscribe(client, CONVERSATION_UPDATED, { id: conversationId }, (update) => {
                if (update.conversationUpdated.kind === 'MESSAGE' && update.conversationUpdated.message) deliver(update.conversationUpdated.message);
              });
              // then what came before the subscription, on the same socket, as an agent's screen does
              subscribe(client, MESSAGES_SO_FAR, { id: conversationId }, (answer) => {
                for (const edge of answer.conversation?.messages.edges ?? []) deliver(edge.node);
              });
            });
            subscribe(client, QUEUE_UPDATED, { queueId }, () => {
              if (heard.size === agentIds.length) return;
              heard.add(i);
              if (heard.size === agentIds.length) send({ type: 'primed' });
            });
          }),
      ),
    );
    send({ type: 'connected' });
  };

  const collect = async ({ messageIds, conversationIds, deadlineMs }: Extract<ToAgents, { type: 'collect' }>) => {
    const deadline = now() + deadlineMs;
    while (now() < deadline && (inFlight > 0 || messageIds.some((id) => !deliveries.has(id) || !replyLatencies.has(id))))
      await new Promise((resolve) => setTimeout(resolve, 100));
    const pick = <T>(map: Map<string, T>, ids: string[]) => Object.fromEntries(ids.filter((id) => map.has(id)).map((id) => [id, map.get(id)!]));
    send({
      type: 'result',
      deliveries: pick(deliveries, messageIds),
      assignments: pick(assignments, conversationIds),
      replyLatencies: messageIds.filter((id) => replyLatencies.has(id)).map((id) => replyLatencies.get(id)!),
      requests: requests.requests,
      errors,
    });
  };

  process.on('message', (message: ToAgents) => {
    const fail = (error: unknown) => send({ type: 'failed', error: String(error) });
    if (message.type === 'start') start(message).catch(fail);
    else if (message.type === 'collect') collect(message).catch(fail);
    else {
      stopping = true;
      void Promise.all(clients.map((client) => client.dispose())).then(() => process.exit(0));
    }
  });
}

if (require.main === module) {
  if (process.argv[2] === 'customers')
    process.once('message', (message: CustomersStart) =>
      customers(message).then(
        (result) => process.send!(result, () => process.exit(0)),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      ),
    );
  else agents();
}
