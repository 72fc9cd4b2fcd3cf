import { Client } from 'pg';
import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { resultsStatement } from '../src/modules/experiment/experiment.sql';
import { graphql, median, numbered, startBenchServer, type BenchServer } from './support';

const EXPOSURES = Number(process.env.BENCH_EXPOSURES ?? 1_000_000);
const CONVERSIONS = Number(process.env.BENCH_CONVERSIONS ?? 50_000);
const ROUNDS = 5;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3_000);
const CONCURRENCY = 4;

/** The reference: the same counts written by hand (each customer's first conversion in the window, then counts per variant). */
const HAND = `with exposures as (select variant, customer_id, exposed_at from experiment_exposure where workspace_id = $1 and experiment_id = $2),
  converted as (
    select distinct on (x.customer_id) x.variant, e.revenue from exposures x
    join event e on e.workspace_id = $1 and e.customer_id = x.customer_id and e.type = $3 and e.occurred_at >= x.exposed_at and e.occurred_at < x.exposed_at + interval '7 days'
    order by x.customer_id, e.occurred_at)
  select n.variant, n.exposures, coalesce(c.conversions, 0) conversions, coalesce(c.revenue, 0) revenue
  from (select variant, count(*) exposures from exposures group by variant) n
  left join (select variant, count(*) conversions, sum(revenue) revenue from converted group by variant) c using (variant) order by n.variant`;

async function seed(
  bench: BenchServer,
): Promise<{ id: string; conversionEvent: string; windowDays: number; variants: { key: string; weight: number; templateId: string }[] }> {
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  const templates = await Promise.all(
    ['A', 'B'].map(
      async (key) =>
        (
          await graphql(
            bench,
            `
              mutation ($input: ReplyTemplateInput!) {
                createReplyTemplate(input: $input) {
                  id
                }
              }
            `,
            { input: { name: `t-${key}`, channel: 'SMS', scene: 'MARKETING', body: key } },
          )
        ).createReplyTemplate.id as string,
    ),
  );
  const input = {
    name: 'bench',
    scene: 'MARKETING',
    channel: 'SMS',
    conversionEvent: 'order_completed',
    windowDays: 7,
    variants: templates.map((templateId, i) => ({ key: 'AB'[i], weight: 1, templateId })),
  };
  const { id } = (
    await graphql(
      bench,
      `
        mutation ($input: ExperimentInput!) {
          createExperiment(input: $input) {
            id
          }
        }
      `,
      { input },
    )
  ).createExperiment;
  await sql(
    em,
    `insert into customer (id, workspace_id, traits, trait_times, tags, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
     select gen_random_uuid(), ?, '{}', '{}', '{}', 0, 0, now(), now(), now(), now() from generate_series(1, ?)`,
    [ws, EXPOSURES],
  );
  await sql(
    em,
    `insert into experiment_exposure (workspace_id, experiment_id, customer_id, variant, exposed_at)
     select workspace_id, ?, id, case when row_number() over () % 2 = 0 then 'A' else 'B' end, now() - (abs(hashtext(id::text)) % 30) * interval '1 day' from customer where workspace_id = ?`,
    [id, ws],
  );
  // conversions: one in 20 exposed customers buys within the window (B a little more often), plus as many events outside it or of other types
  await sql(
    em,
    `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, occurred_at, received_at)
     select gen_random_uuid(), x.workspace_id, x.customer_id, gen_random_uuid()::text, t.type, '{}', 100, x.exposed_at + t.after, now()
     from (select x.*, abs(hashtext(x.customer_id::text)) n from experiment_exposure x where x.workspace_id = ? and x.experiment_id = ?) x
     cross join lateral (values ('order_completed', interval '2 days', x.n % ? = 0 or (x.variant = 'B' and x.n % ? = 1)), ('order_completed', interval '-3 days', x.n % ? = 2),
       ('page_viewed', interval '1 day', x.n % 10 = 3)) t(type, after, keep)
     where t.keep`,
    [ws, id, Math.round(EXPOSURES / CONVERSIONS), Math.round((EXPOSURES / CONVERSIONS) * 5), Math.round(EXPOSURES / CONVERSIONS)],
  );
  await em.getConnection().execute(`vacuum analyze customer, experiment_exposure, event`);
  console.log(`seeded ${EXPOSURES} exposures and their events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { id, conversionEvent: 'order_completed', windowDays: 7, variants: input.variants };
}

async function timed(rounds: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** postMessage as a customer at CONCURRENCY, in a workspace scoring sentiment or not: messages/s and p95. */
async function postRate(bench: BenchServer, key: string, conversations: string[], score: boolean): Promise<{ rate: number; p95: number }> {
  await graphql(bench, `mutation { updateWorkspaceSettings(input: { scoreSentiment: ${score} }) { id } }`);
  const bodies = ['快递三天了还没到，太让人着急了，你们到底怎么回事', 'The package arrived broken and nobody answered my emails, very disappointed'];
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < MESSAGES; i = next++) {
      const at = process.hrtime.bigint();
      const response = await fetch(bench.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: `mutation($input: PostMessageInput!) { postMessage(input: $input) { id } }`,
          variables: { input: { conversationId: conversations[i % conversations.length], direction: 'INBOUND', author: 'CUSTOMER', body: bodies[i % 2] } },
        }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { rate: MESSAGES / seconds, p95: latencies[Math.floor(latencies.length * 0.95)] };
}

async function main() {
  const bench = await startBenchServer();
  const experiment = await seed(bench);
  const client = new Client({ connectionString: bench.database.url });
  await client.connect();
  const ws = bench.workspaceId;
  try {
    const QUERY = `query($id: ID!) { experiment(id: $id) { results { pValue significant variants { key exposures conversions conversionRate conversionRateLow conversionRateHigh lift revenue revenuePerExposure } } } }`;
    const answer = (await graphql(bench, QUERY, { id: experiment.id })).experiment.results;
    const hand = (await client.query(HAND, [ws, experiment.id, experiment.conversionEvent])).rows;
    const counts = (rows: { key?: string; variant?: string; exposures: unknown; conversions: unknown }[]) =>
      rows.map((r) => [r.key ?? r.variant, Number(r.exposures), Number(r.conversions)]);
    if (JSON.stringify(counts(answer.variants)) !== JSON.stringify(counts(hand)))
      throw new Error(`the API and the hand-written SQL disagree: ${JSON.stringify([answer.variants, hand])}`);
    const statement = resultsStatement(ws, experiment, null);
    const api = await timed(ROUNDS, () => graphql(bench, QUERY, { id: experiment.id }));
    const server = await timed(ROUNDS, () => client.query(numbered(statement.text), [...(statement.params ?? [])]));
    const reference = await timed(ROUNDS, () => client.query(HAND, [ws, experiment.id, experiment.conversionEvent]));
    const conversions = answer.variants.reduce((sum: number, v: { conversions: number }) => sum + v.conversions, 0);
    console.log(
      `\nexperiment results over ${EXPOSURES} exposures, ${conversions} conversions (p = ${answer.pValue?.toExponential(2)}):\n` +
        `  API ${api.toFixed(0)} ms   server's statement ${server.toFixed(0)} ms   hand-written SQL ${reference.toFixed(0)} ms   ratio API/hand ${(api / reference).toFixed(2)} ${api / reference <= 1.2 && api < 1000 ? 'ok' : 'MISSED'}`,
    );

    const key = bench.adminKey;
    const conversations: string[] = [];
    for (let i = 0; i < 50; i++) {
      const opened = await graphql(
        bench,
        `
          mutation ($input: OpenConversationInput!) {
            openConversation(input: $input) {
              id
            }
          }
        `,
        {
          input: { identifiers: [{ type: 'EMAIL', value: `sentiment-${i}@bench.test` }], channel: 'WEB_CHAT', body: '你好' },
        },
      );
      conversations.push(opened.openConversation.id);
    }
    const sides = { on: [] as { rate: number; p95: number }[], off: [] as { rate: number; p95: number }[] };
    for (let round = 0; round < 3; round++) {
      for (const side of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const))
        sides[side].push(await postRate(bench, key, conversations, side === 'on'));
    }
    const [on, off] = [sides.on, sides.off].map((runs) => ({ rate: median(runs.map((r) => r.rate)), p95: median(runs.map((r) => r.p95)) }));
    console.log(
      `postMessage (inbound, ${MESSAGES} a round, ${CONCURRENCY} at a time, 3 rounds each): with sentiment ${on.rate.toFixed(0)}/s p95 ${on.p95.toFixed(1)} ms, without ${off.rate.toFixed(0)}/s p95 ${off.p95.toFixed(1)} ms: rate ratio ${(on.rate / off.rate).toFixed(2)} ${on.rate / off.rate >= 0.9 ? 'ok' : 'MISSED'}`,
    );
  } finally {
    await client.end();
    await bench.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
