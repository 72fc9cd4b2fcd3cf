import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Child process of the queue fan-out bench: opens `count` WebSocket subscribers (graphql-ws on the
 * API, or plain ws on the bare server), records when each message arrives (ms on the shared
 * wall clock), and reports to the parent over IPC when told to stop.
 */
interface Start {
  mode: 'api' | 'bare';
  url: string;
  key?: string;
  queueId?: string;
  count: number;
}

const now = () => performance.timeOrigin + performance.now();
const arrivals: [string, number][] = [];
let ready = 0;
let failures = 0;

process.on('message', (message: Start | { stop: true }) => {
  if ('stop' in message) {
    process.send!({ arrivals, failures }, () => process.exit(0));
    return;
  }
  const { mode, url, key, queueId, count } = message;
  for (let i = 0; i < count; i++) {
    if (mode === 'bare') {
      const socket = new WebSocket(url);
      socket.on('open', () => ++ready === count && process.send!({ ready }));
      socket.on('message', (data) => {
        const { id } = JSON.parse(String(data)) as { id: string };
        arrivals.push([id, now()]);
      });
      socket.on('error', () => failures++);
      continue;
    }
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${key}` }, onNonLazyError: () => failures++ });
    let counted = false;
    client.on('connected', () => {
      if (counted) return;
      counted = true;
      // graphql-ws acknowledges no subscription: the parent waits a moment after all connected
      if (++ready === count) process.send!({ ready });
    });
    client.subscribe<{ queueUpdated: { change: string; conversation: { id: string } | null } }>(
      { query: `subscription($queueId: ID) { queueUpdated(queueId: $queueId) { change at conversation { id status } stats { waiting assigned agentsOnline } } }`, variables: { queueId } },
      {
        next: (result) => {
          const event = result.data?.queueUpdated;
          if (event?.conversation) arrivals.push([`${event.conversation.id}:${event.change}`, now()]);
        },
        error: () => failures++,
        complete: () => {},
      },
    );
  }
});
