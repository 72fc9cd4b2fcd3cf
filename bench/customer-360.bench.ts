import { sql } from '../src/db/sql';
import { forkForWorkspace } from '../src/context';
import { isDeepStrictEqual } from 'node:util';
import { IDEAL } from './customer-360.ideal';
import { startIdealHandler } from './ideal-handler';
import { measureInterleaved, postgresCpuMeter, printComparison, probe, startBenchServer, clusterSides } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const RICH = 2_000;
const CONNECTIONS = 20;

const QUERY = `query Customer360($id: ID!) {
  customer(id: $id) {
    id displayName traits tags lifecycleStage valueTier totalSpend orderCount lastSeenAt lastPurchaseAt
    identities { type value verified lastSeenAt }
    events(first: 20) { edges { node { id type properties revenue channel occurredAt } } pageInfo { hasNextPage endCursor } }
    merges { id survivorId absorbedId reason at }
  }
}`;

/**
 * The customer-360 query (identities, 20 events, merges, tags) at 20 connections, over a workspace
 * of 100,000 customers, against the ideal handler answering the same JSON with one hand-written
 * statement. The data is written with set-based SQL: this bench measures reading.
 */
async function main() {
  const bench = await startBenchServer({ exposeStatementCount: true });
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  await sql(
    em,
    `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, total_spend, order_count, first_seen_at, last_seen_at, last_purchase_at, created_at, updated_at)
     select gen_random_uuid(), ?, 'Customer ' || n, jsonb_build_object('name', 'Customer ' || n, 'city', 'Shanghai'), '{}', case when n % 3 = 0 then '{vip,wechat}'::text[] else '{}' end,
            n % 5000, n % 7, now() - interval '300 days', now() - (n % 200) * interval '1 day', now() - (n % 90) * interval '1 day', now(), now()
     from generate_series(1, ?) n`,
    [ws, CUSTOMERS],
  );
  await sql(
    em,
    `insert into identity (id, workspace_id, customer_id, type, value, verified, first_seen_at, last_seen_at)
     select gen_random_uuid(), ?, c.id, t.type, t.prefix || c.display_name, true, now(), now()
     from customer c cross join (values ('EMAIL', 'mail:'), ('PHONE', '+86'), ('WECHAT_OPENID', 'o-')) t(type, prefix) where c.workspace_id = ?`,
    [ws, ws],
  );
  const rich = await sql<{ id: string }>(em, `select id from customer where workspace_id = ? order by id limit ?`, [ws, RICH]);
  const ids = rich.map((r) => r.id);
  await sql(
    em,
    `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, channel, occurred_at, received_at)
     select gen_random_uuid(), ?, c, c || '-' || k, case when k % 5 = 0 then 'order_completed' else 'page_viewed' end, jsonb_build_object('path', '/p/' || k),
            case when k % 5 = 0 then 99.5 end, 'APP', now() - k * interval '1 hour', now()
     from unnest(?::uuid[]) c cross join generate_series(1, 25) k`,
    [ws, ids],
  );
  await sql(
    em,
    `insert into customer_merge (id, workspace_id, survivor_id, absorbed_id, reason, survivor_before, absorbed_before, moved_identity_ids, moved_event_ids, at)
     select gen_random_uuid(), ?, c, gen_random_uuid(), 'EMAIL:bench', '{}', '{}', '{}', '{}', now() from unnest(?::uuid[]) c`,
    [ws, ids],
  );
  await em.getConnection().execute(`analyze customer, identity, event, customer_merge`);
  console.log(`\nseeded ${CUSTOMERS} customers (${RICH} with 25 events and a merge) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
  const bodies = ids.map((id) => JSON.stringify({ query: QUERY, variables: { id } }));
  const ideal = await startIdealHandler(bench.serverDatabaseUrl, bench.poolSize, IDEAL);
  let failed = false;
  let clusters: Awaited<ReturnType<typeof clusterSides>> | undefined;
  try {
    await probe(bench.server.url, headers, bodies[0]); // the key's lookup, cached from then on
    const api = await probe(bench.server.url, headers, bodies[0]);
    await probe(ideal.url, headers, bodies[0]);
    const idealSql = await ideal.sqlOf(() => probe(ideal.url, headers, bodies[0]));
    await expectSameAnswers(bench.server.url, ideal.url, headers, [...bodies.slice(0, 8), ...bodies.slice(-2)]);

    const apiSql = { statements: api.extensions.sqlStatements, roundTrips: api.extensions.sqlRoundTrips };
    clusters = await clusterSides(bench, apiSql);
    const rows = await measureInterleaved(
      [
        { label: 'API customer-360', url: bench.server.url, sql: apiSql },
        ...clusters.sides,
        { label: 'ideal (http + pg, 1 statement)', url: ideal.url, sql: idealSql },
      ],
      { headers, bodies, connections: CONNECTIONS, postgresCpu: await postgresCpuMeter(bench.orm) },
    );
    printComparison(
      `customer-360 (identities, 20 events, merges, tags), ${CONNECTIONS} connections, 3 rounds of 4 s each side turn about; req/s the median round, latencies pooled`,
      rows,
    );
    for (const r of rows)
      if (r.non2xx > 0 || r.errors > 0) {
        console.error(`FAILED: ${r.label} gave ${r.non2xx} non-2xx answers and ${r.errors} errors`);
        failed = true;
      }
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 500)); // requests the load generator abandoned at its deadline
    await clusters?.stop();
    await ideal.close();
    await bench.stop();
  }
  process.exit(failed ? 1 : 0);
}

/** The ideal must answer what the API answers: asked at once, so several fresh connections answer too. */
async function expectSameAnswers(apiUrl: string, idealUrl: string, headers: Record<string, string>, bodies: string[]) {
  await Promise.all(
    bodies.map(async (body) => {
      const [api, ideal] = await Promise.all([probe(apiUrl, headers, body), probe(idealUrl, headers, body)]);
      if (!api.data?.customer || !isDeepStrictEqual(api.data, ideal.data))
        throw new Error(`the ideal's answer differs from the API's for ${body}:\nAPI   ${JSON.stringify(api.data)}\nideal ${JSON.stringify(ideal.data)}`);
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
