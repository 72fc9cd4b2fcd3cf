import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { startBenchServer } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);

/**
 * Over 100,000 customers with about 3 purchases each spread over two years: the time of the hourly
 * ageing job (stages and tiers the passing of time changed), and of a full re-evaluation of the
 * workspace after a settings change, each in pages of 500 customers per transaction as they run.
 */
async function main() {
  process.env.CDP_JOBS = 'false'; // the bench runs the tasks itself, one at a time
  const bench = await startBenchServer();
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  let started = Date.now();
  await sql(
    em,
    `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, lifecycle_stage, value_tier, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
     select gen_random_uuid(), ?, 'Customer ' || n, '{}', '{}', '{}', 'PROSPECT', 'BASIC', 0, 0, now(), now(), now(), now() from generate_series(1, ?) n`,
    [ws, CUSTOMERS],
  );
  await sql(
    em,
    `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, channel, occurred_at, received_at)
     select gen_random_uuid(), c.workspace_id, c.id, c.id || '-' || k, 'order_completed', '{}', 100 + abs(hashtext(c.id::text || k)) % 20000,
            case when k = 3 then 'APP' end, now() - (abs(hashtext(c.id::text || k)) % 730) * interval '1 day', now()
     from customer c cross join generate_series(1, 3) k where c.workspace_id = ?`,
    [ws],
  );
  // what ingestion would have left: stages and tiers as of 30 days ago, so that time has moved on since
  await sql(
    em,
    `update customer c set first_purchase_at = p.first, last_purchase_at = p.last, last_inbound_at = p.inbound, annual_spend = p.annual, total_spend = p.total, order_count = 3,
       value_tier = case when p.annual >= 100000 then 'HIGH' when p.annual >= 10000 then 'MEDIUM' else 'BASIC' end,
       lifecycle_stage = case when p.last > now() - interval '90 days' then 'ACTIVE' when p.last > now() - interval '210 days' then 'AT_RISK' else 'CHURNED' end
     from (select customer_id, min(occurred_at) first, max(occurred_at) last, max(occurred_at) filter (where channel is not null) inbound, sum(revenue) total,
                  coalesce(sum(revenue) filter (where occurred_at > now() - interval '395 days'), 0) annual
           from event where workspace_id = ? group by customer_id) p
     where c.workspace_id = ? and c.id = p.customer_id`,
    [ws, ws],
  );
  await em.getConnection().execute(`analyze customer, event`);
  const [{ events }] = await sql<{ events: number }>(em, `select count(*)::int events from event where workspace_id = ?`, [ws]);
  console.log(`\nseeded ${CUSTOMERS} customers and ${events} purchases in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const transitions = async () => (await sql<{ n: number }>(em, `select count(*)::int n from lifecycle_transition where workspace_id = ?`, [ws]))[0].n;
  started = Date.now();
  await bench.server.jobs.runNow('lifecycle_ageing');
  const ageingSeconds = (Date.now() - started) / 1000;
  const aged = await transitions();
  console.log(
    `ageing job: ${ageingSeconds.toFixed(1)} s, ${aged} stage changes (${((ageingSeconds * 1e6) / CUSTOMERS).toFixed(0)} µs per customer of the workspace)`,
  );

  started = Date.now();
  await bench.server.jobs.runNow('lifecycle_ageing');
  console.log(`ageing job again, nothing left to change: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  await sql(em, `update workspace set stored_settings = stored_settings || '{"highValueAnnualSpend": 20000, "mediumValueAnnualSpend": 5000}' where id = ?`, [
    ws,
  ]);
  const before = await sql<{ tier: string; n: number }>(
    em,
    `select value_tier tier, count(*)::int n from customer where workspace_id = ? group by 1 order by 1`,
    [ws],
  );
  started = Date.now();
  await bench.server.jobs.runNow('lifecycle_reevaluate', { workspaceId: ws });
  const reevaluateSeconds = (Date.now() - started) / 1000;
  const after = await sql<{ tier: string; n: number }>(
    em,
    `select value_tier tier, count(*)::int n from customer where workspace_id = ? group by 1 order by 1`,
    [ws],
  );
  const show = (rows: { tier: string; n: number }[]) => rows.map((r) => `${r.tier} ${r.n}`).join(', ');
  console.log(
    `full re-evaluation after a settings change: ${reevaluateSeconds.toFixed(1)} s (${((reevaluateSeconds * 1e6) / CUSTOMERS).toFixed(0)} µs per customer); tiers ${show(before)} -> ${show(after)}`,
  );
  await bench.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
