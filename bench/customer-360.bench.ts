import { sql } from '../src/db/sql';
import { forkForWorkspace } from '../src/context';
import { load, row, startBenchServer } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const RICH = 2_000;

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
 * of 100,000 customers. The data is written with set-based SQL: this bench measures reading.
 */
async function main() {
  const bench = await startBenchServer();
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
  await sql(em, `analyze customer; analyze identity; analyze event; analyze customer_merge`);
  console.log(`\nseeded ${CUSTOMERS} customers (${RICH} with 25 events and a merge) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const figures = await load({
    url: bench.server.url,
    connections: 20,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` },
    bodies: ids.map((id) => JSON.stringify({ query: QUERY, variables: { id } })),
  });
  console.log('customer-360 query, 20 connections, 10 s');
  console.log(row('customer with identities, 20 events, merges, tags', figures));
  console.log(`  non-2xx answers: ${figures.non2xx}, errors: ${figures.errors}`);
  await new Promise((resolve) => setTimeout(resolve, 500)); // requests the load generator abandoned at its deadline
  await bench.stop();
  if (figures.non2xx > 0 || figures.errors > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
