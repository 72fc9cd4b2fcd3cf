import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { graphql, percentile, startBenchServer } from './support';
import { now, type CustomersResult, type CustomersStart, type FromAgents, type Timed, type ToAgents } from './consulting-worker';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const MESSAGES = 5;
const CUSTOMER_PROCESSES = 2;
const OPENINGS_SPREAD_MS = 3000;
const GAP_MS: [number, number] = [2000, 4000];
/** How long after the last customer message the agents may take to receive and answer everything. */
const DRAIN_MS = 20_000;

const worker = path.join(__dirname, 'consulting-worker.js');

type AgentsResult = Extract<FromAgents, { type: 'result' }>;
const fromAgents = <T extends FromAgents['type']>(child: ChildProcess, type: T) =>
  new Promise<Extract<FromAgents, { type: T }>>((resolve, reject) => {
    const onMessage = (message: FromAgents) => {
      if (message.type === 'failed') reject(new Error(`agents process: ${message.error}`));
      else if (message.type === type) resolve(message as Extract<FromAgents, { type: T }>);
      else return;
      child.off('message', onMessage);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the agents process exited with ${code} while waiting for "${type}"`)));
  });

function runCustomers(start: CustomersStart): Promise<CustomersResult> {
  const child = fork(worker, ['customers'], { execArgv: [] });
  child.send(start);
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as CustomersResult));
    child.once('exit', (code) => reject(new Error(`a customers process exited with ${code}`)));
  });
}

const ms = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p).toFixed(1).padStart(8);
  return `p50 ${at(50)} ms   p95 ${at(95)} ms   p99 ${at(99)} ms   (${sorted.length})`;
};

/**
 * "1,000 customers consulting at once": each customer opens a conversation over HTTP and posts five
 * messages 2-4 s apart (openings spread over the first 3 s) while 50 agents online, subscribed
 * (graphql-ws) to their queue and to their assignments, reply to every customer message delivered
 * to them. Customers and agents run in processes of their own.
 */
async function main() {
  const bench = await startBenchServer();
  const agentsProcess = fork(worker, ['agents'], { execArgv: [] });
  let failed = true;
  try {
    const queueId = (
      await graphql(
        bench,
        `
          mutation ($input: CreateQueueInput!) {
            createQueue(input: $input) {
              id
            }
          }
        `,
        { input: { name: 'Consulting', channels: ['WEB_CHAT'] } },
      )
    ).createQueue.id as string;
    const agentIds: string[] = [];
    const capacity = Math.ceil((CUSTOMERS * 2) / AGENTS) + 10;
    for (let i = 0; i < AGENTS; i++) {
      const { createAgent } = await graphql(
        bench,
        `
          mutation ($input: CreateAgentInput!) {
            createAgent(input: $input) {
              id
            }
          }
        `,
        {
          input: { name: `Agent ${i}`, skills: [], maxConcurrent: capacity, queueIds: [queueId] },
        },
      );
      agentIds.push(createAgent.id);
    }
    const key = async (role: string) =>
      (
        await graphql(
          bench,
          `
            mutation ($name: String!, $role: Role!) {
              createApiKey(name: $name, role: $role) {
                secret
              }
            }
          `,
          { name: `consulting ${role}`, role },
        )
      ).createApiKey.secret as string;
    const [agentKey, customerKey] = [await key('AGENT'), await key('INGEST')];

    const connected = fromAgents(agentsProcess, 'connected');
    agentsProcess.send({ type: 'start', url: bench.server.url, key: agentKey, queueId, agentIds } satisfies ToAgents);
    await connected;
    for (const agentId of agentIds)
      await graphql(
        bench,
        `
          mutation ($id: ID!) {
            setAgentStatus(agentId: $id, status: ONLINE) {
              id
            }
          }
        `,
        { id: agentId },
      );
    // graphql-ws acknowledges no subscription: open warm-up conversations until every agent has heard its queue
    const primed = fromAgents(agentsProcess, 'primed');
    let ready = false;
    void primed.then(() => (ready = true));
    for (let warm = 0; !ready; warm++) {
      if (warm > 100) throw new Error('the agents did not all hear their queue');
      await graphql(
        bench,
        `
          mutation ($input: OpenConversationInput!) {
            openConversation(input: $input) {
              id
            }
          }
        `,
        {
          input: { identifiers: [{ type: 'EMAIL', value: `warm${warm}@consulting.bench` }], channel: 'WEB_CHAT', body: 'warm-up', queueId },
        },
      );
      await Promise.race([primed, new Promise((resolve) => setTimeout(resolve, 300))]);
    }

    const startAt = now() + 500;
    const per = Math.ceil(CUSTOMERS / CUSTOMER_PROCESSES);
    const results = await Promise.all(
      Array.from({ length: CUSTOMER_PROCESSES }, (_, i) =>
        runCustomers({
          type: 'start',
          url: bench.server.url,
          key: customerKey,
          queueId,
          first: i * per,
          count: Math.min(per, CUSTOMERS - i * per),
          messages: MESSAGES,
          startAt,
          spreadMs: OPENINGS_SPREAD_MS,
          gapMs: GAP_MS,
        }),
      ),
    );
    const customersDone = now();
    const opens = results.flatMap((r) => r.opens);
    const posts = results.flatMap((r) => r.posts);
    const collected = fromAgents(agentsProcess, 'result');
    agentsProcess.send({
      type: 'collect',
      messageIds: posts.map((p) => p.id),
      conversationIds: opens.map((o) => o.id),
      deadlineMs: DRAIN_MS,
    } satisfies ToAgents);
    const agents: AgentsResult = await collected;

    const latency = (timed: Timed[]) => timed.map((t) => t.respondedAt - t.sentAt);
    const delivered = posts.filter((p) => agents.deliveries[p.id]);
    const wrongAgent = delivered.filter((p) => agents.deliveries[p.id].agentId !== agents.assignments[p.conversationId]?.agentId).length;
    const assigned = opens.filter((o) => agents.assignments[o.id]);
    const requestErrors = [...results.flatMap((r) => r.errors), ...agents.errors];
    const missing = posts.length - delivered.length;
    const unanswered = delivered.length - agents.replyLatencies.length;
    const customerRequests = results.reduce((sum, r) => sum + r.requests, 0);
    const errors = requestErrors.length + missing + wrongAgent + unanswered;

    console.log(
      `\nconsulting: ${CUSTOMERS} customers in ${CUSTOMER_PROCESSES} processes, each opening a conversation (over the first ${OPENINGS_SPREAD_MS / 1000} s) ` +
        `and posting ${MESSAGES} messages ${GAP_MS[0] / 1000}-${GAP_MS[1] / 1000} s apart; ${AGENTS} agents online in 1 process (graphql-ws) reply to each`,
    );
    console.log(`  openConversation                       ${ms(latency(opens))}`);
    console.log(`  postMessage (customer)                 ${ms(latency(posts))}`);
    console.log(
      `  delivery to the assigned agent         ${ms(delivered.map((p) => agents.deliveries[p.id].at - p.sentAt))}  from the customer's postMessage sent`,
    );
    console.log(`  assignment to the agent                ${ms(assigned.map((o) => agents.assignments[o.id].at - o.sentAt))}  from openConversation sent`);
    console.log(`  agent's reply (postMessage)            ${ms(agents.replyLatencies)}  from the delivery to the reply's answer`);
    console.log(
      `  requests: ${customerRequests + agents.requests} (customers ${customerRequests}, agents ${agents.requests}) in ${((customersDone - startAt) / 1000).toFixed(1)} s;` +
        ` errors: ${errors} (${requestErrors.length} GraphQL/non-2xx/failed, ${missing} deliveries missing, ${wrongAgent} to another agent, ${unanswered} unanswered)`,
    );
    for (const error of requestErrors.slice(0, 5)) console.error(`  error: ${error}`);
    // the errors by kind (ids blanked), most frequent first
    const kinds = new Map<string, number>();
    for (const error of requestErrors) {
      const kind = error.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 160);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.error(`  ${n} x ${kind}`);
    failed = errors > 0;
  } finally {
    if (agentsProcess.connected) agentsProcess.send({ type: 'stop' } satisfies ToAgents);
    if (agentsProcess.exitCode === null) await new Promise((resolve) => agentsProcess.once('exit', resolve));
    await bench.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
