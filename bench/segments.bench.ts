import { Client } from 'pg';
import { selection } from '../src/modules/segment/segment.service';
import { graphql, median, startBenchServer } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const ROUNDS = 5;

/** Five representative rules, each with the query a person would write by hand for it. */
const RULES: { name: string; rule: unknown; sql: string }[] = [
  {
    name: 'a tier and a stage',
    rule: { and: [{ field: { field: 'VALUE_TIER', op: 'EQ', value: 'HIGH' } }, { field: { field: 'LIFECYCLE_STAGE', op: 'EQ', value: 'ACTIVE' } }] },
    sql: `select count(*) from customer c where c.workspace_id = $1 and c.merged_into_id is null and c.erased_at is null and c.value_tier = 'HIGH' and c.lifecycle_stage = 'ACTIVE'`,
  },
  {
    name: 'an event count in 30 days',
    rule: { event: { name: 'page_viewed', within: { days: 30 }, count: { op: 'GTE', value: 3 } } },
    sql: `select count(*) from customer c where c.workspace_id = $1 and c.merged_into_id is null and c.erased_at is null and c.id in (
            select customer_id from event where workspace_id = $1 and type = 'page_viewed' and occurred_at >= now() - interval '30 days' group by customer_id having count(*) >= 3)`,
  },
  {
    name: 'revenue in 90 days, by property',
    rule: {
      event: { name: 'order_completed', within: { days: 90 }, where: [{ key: 'category', op: 'EQ', value: 'shoes' }], revenueSum: { op: 'GT', value: 500 } },
    },
    sql: `select count(*) from customer c where c.workspace_id = $1 and c.merged_into_id is null and c.erased_at is null and c.id in (
            select customer_id from event where workspace_id = $1 and type = 'order_completed' and occurred_at >= now() - interval '90 days' and properties ->> 'category' = 'shoes'
            group by customer_id having sum(revenue) > 500)`,
  },
  {
    name: 'consent and a preferred channel',
    rule: { and: [{ consent: { channel: 'SMS', purpose: 'MARKETING', granted: true } }, { field: { field: 'PREFERRED_CHANNEL', op: 'EQ', value: 'SMS' } }] },
    sql: `select count(*) from customer c join customer_preference p on p.workspace_id = c.workspace_id and p.customer_id = c.id
          where c.workspace_id = $1 and c.merged_into_id is null and c.erased_at is null and p.preferred_channels[1] = 'SMS'
            and exists (select 1 from consent s where s.workspace_id = c.workspace_id and s.customer_id = c.id and s.channel = 'SMS' and s.purpose = 'MARKETING' and s.granted)`,
  },
  {
    name: 'a nested or/not of three kinds',
    rule: {
      or: [
        { and: [{ trait: { key: 'city', op: 'EQ', value: 'Shanghai' } }, { not: { field: { field: 'TAG', op: 'EQ', value: 'vip' } } }] },
        { event: { name: 'order_completed', within: { days: 7 } } },
        { field: { field: 'TOTAL_SPEND', op: 'GT', value: 4900 } },
      ],
    },
    sql: `select count(*) from customer c where c.workspace_id = $1 and c.merged_into_id is null and c.erased_at is null and (
            (c.traits ->> 'city' = 'Shanghai' and not 'vip' = any(c.tags))
            or c.id in (select customer_id from event where workspace_id = $1 and type = 'order_completed' and occurred_at >= now() - interval '7 days')
            or c.total_spend > 4900)`,
  },
];

/**
 * previewSegment through the API against hand-written SQL for five rules, over 1,000,000 customers
 * and 10,000,000 events (generated with set-based SQL), and a full refreshSegment of the largest.
 */
async function main() {
  process.env.CDP_JOBS = 'false';
  const bench = await startBenchServer();
  const ws = bench.workspaceId;
  const db = new Client({ connectionString: bench.database.url });
  await db.connect();
  await db.query(`set maintenance_work_mem = '512MB'`);
  let started = Date.now();
  await db.query(
    `insert into customer (id, workspace_id, traits, trait_times, tags, lifecycle_stage, value_tier, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
     select gen_random_uuid(), $1, jsonb_build_object('city', (array['Shanghai','Beijing','Shenzhen','Hangzhou'])[1 + g % 4], 'age', 18 + g % 60), '{}',
            case when g % 10 = 0 then '{vip}'::text[] else '{}' end, (array['PROSPECT','NEW','ACTIVE','AT_RISK','CHURNED'])[1 + g % 5], (array['HIGH','MEDIUM','BASIC','BASIC'])[1 + g % 4],
            g % 5000, g % 9, now(), now(), now(), now()
     from generate_series(1, $2::int) g`,
    [ws, CUSTOMERS],
  );
  await db.query(`create temporary table bench_people as select row_number() over () as n, id from customer where workspace_id = $1`, [ws]);
  await db.query(`create unique index on bench_people (n)`);
  await db.query(
    `insert into customer_preference (customer_id, workspace_id, preferred_channels, updated_at)
     select id, $1, array[(array['SMS','WECHAT','EMAIL'])[1 + n % 3]], now() from bench_people where n % 2 = 0`,
    [ws],
  );
  await db.query(
    `insert into consent (id, workspace_id, customer_id, channel, purpose, granted, updated_at) select gen_random_uuid(), $1, id, 'SMS', 'MARKETING', n % 4 <> 0, now() from bench_people where n % 5 < 2`,
    [ws],
  );
  console.log(`\nseeded ${CUSTOMERS} customers with preferences and consents in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // a year of events in the order they happened (as ingestion appends them), loaded without their
  // indexes and keys, which are built afterwards in one pass each
  started = Date.now();
  const { rows: keys } = await db.query<{ name: string; definition: string }>(
    `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'event'::regclass and contype in ('p', 'u')`,
  );
  const { rows: indexes } = await db.query<{ name: string; definition: string }>(
    `select indexname as name, indexdef as definition from pg_indexes where tablename = 'event' and indexname not in (select conname from pg_constraint where conrelid = 'event'::regclass)`,
  );
  for (const index of indexes) await db.query(`drop index ${index.name}`);
  for (const key of keys) await db.query(`alter table event drop constraint ${key.name}`);
  const chunk = 1_000_000;
  for (let from = 0; from < EVENTS; from += chunk) {
    await db.query(
      `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, occurred_at, received_at)
       select gen_random_uuid(), $1, p.id, 'e' || g, t, jsonb_build_object('category', (array['shoes','bags','books'])[1 + g % 3]), case when t = 'order_completed' then 20 + g % 400 end,
              now() - ($4::bigint - g) * (interval '365 days' / $4::bigint), now()
       from (select g, (array['page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','page_viewed','order_completed','order_completed','add_to_cart'])[1 + abs(hashint8(g)::bigint) % 10] as t
             from generate_series($2::bigint, $3::bigint) g) x
       join bench_people p on p.n = 1 + abs(hashint8(g * 7919 + 17)::bigint) % $5
       order by g`,
      [ws, from + 1, Math.min(from + chunk, EVENTS), EVENTS, CUSTOMERS],
    );
  }
  const loaded = (Date.now() - started) / 1000;
  for (const key of keys) await db.query(`alter table event add constraint ${key.name} ${key.definition}`);
  for (const index of indexes) await db.query(index.definition);
  for (const table of ['customer', 'event', 'customer_preference', 'consent']) await db.query(`vacuum analyze ${table}`);
  await db.end();
  console.log(`generated ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(1)} s (${loaded.toFixed(1)} s to load, the rest to build the indexes)`);

  const post = (query: string, variables: Record<string, unknown>) => graphql(bench, query, variables);
  const timed = async <T>(work: () => Promise<T>): Promise<[number, T]> => {
    const start = process.hrtime.bigint();
    const result = await work();
    return [Number(process.hrtime.bigint() - start) / 1e6, result];
  };
  const connection = bench.orm.em.getConnection();
  let largest = { name: '', rule: null as unknown, count: -1 };
  console.log(`previewSegment through the API against hand-written SQL, median of ${ROUNDS} (targets: ratio <= 1.2, preview < 2 s)`);
  for (const { name, rule, sql: text } of RULES) {
    const api: number[] = [];
    const hand: number[] = [];
    let count = 0;
    let handCount = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const [ms, data] = await timed(() => post(`query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }`, { rule }));
      api.push(ms);
      count = data.previewSegment.count;
      const [handMs, rows] = await timed(() =>
        connection.execute(
          text.replace(/\$1/g, '?'),
          Array.from({ length: (text.match(/\$1/g) ?? []).length }, () => ws),
        ),
      );
      hand.push(handMs);
      handCount = Number((rows as { count: string }[])[0].count);
    }
    const [a, h] = [median(api), median(hand)];
    if (process.env.BENCH_EXPLAIN) {
      const { where, params } = selection(ws, rule as never, new Date());
      const plan = async (text: string, values: unknown[]) =>
        ((await connection.execute(`explain (analyze, costs off) ${text}`, values)) as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
      console.log(await plan(`select count(*)::int as count from customer c where ${where}`, params));
      console.log(
        await plan(
          text.replace(/\$1/g, '?'),
          Array.from({ length: (text.match(/\$1/g) ?? []).length }, () => ws),
        ),
      );
    }
    console.log(
      `  ${name.padEnd(34)} ${String(count).padStart(8)} customers${count === handCount ? '' : ` (hand-written: ${handCount})`}   API ${a.toFixed(0).padStart(6)} ms   SQL ${h.toFixed(0).padStart(6)} ms   ratio ${(a / h).toFixed(2)}`,
    );
    if (count > largest.count) largest = { name, rule, count };
  }
  const { createSegment } = await post(`mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id size } }`, {
    input: { name: 'largest', kind: 'DYNAMIC', rule: largest.rule },
  });
  const [refreshMs, refreshed] = await timed(() =>
    post(`mutation($id: ID!) { refreshSegment(id: $id) { entered exited durationMs } }`, { id: createSegment.id }),
  );
  console.log(
    `refreshSegment of the largest ("${largest.name}", ${createSegment.size} members): ${refreshMs.toFixed(0)} ms (entered ${refreshed.refreshSegment.entered}, exited ${refreshed.refreshSegment.exited})`,
  );
  await bench.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
