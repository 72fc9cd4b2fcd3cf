import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { startBenchServer } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const PAGE = 1_000;
const ROUNDS = 20;

/** Connections stop at 500, so the 1,000 customers are two halves of one query. */
const page = (withContactability: boolean) => {
  const half = (alias: string, after: string) => `${alias}: customers(first: ${PAGE / 2}, after: ${after}) {
    pageInfo { endCursor }
    edges { node { id valueTier ${withContactability ? 'contactability(channel: SMS, purpose: MARKETING) { allowed blockedBy nextAllowedAt }' : ''} } }
  }`;
  return `query SmsAudience($after: String, $middle: String) { ${half('first', '$after')} ${half('second', '$middle')} }`;
};

/**
 * `contactability` for 1,000 customers in one query, over 100,000 customers of whom most have
 * identities, half preferences (zones, quiet hours, own caps), 60% consents and 30% recent touches.
 * Prints the time of the page with and without the field, the per-customer difference, and the SQL
 * statements each page ran (bounded: the field loads through DataLoader).
 */
async function main() {
  process.env.CDP_EXPOSE_SQL_COUNT = 'true';
  process.env.CDP_MAX_COST = '100000'; // 1,000 customers with a computed field each cost more than the default allows
  const bench = await startBenchServer();
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  await sql(
    em,
    `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, value_tier, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
     select gen_random_uuid(), ?, 'Customer ' || n, '{}', '{}', '{}', (array['HIGH','MEDIUM','BASIC','BASIC','BASIC'])[1 + n % 5], 0, 0, now(), now(), now(), now()
     from generate_series(1, ?) n`,
    [ws, CUSTOMERS],
  );
  await sql(
    em,
    `insert into identity (id, workspace_id, customer_id, type, value, verified, first_seen_at, last_seen_at)
     select gen_random_uuid(), ?, c.id, t.type, t.prefix || c.display_name, true, now(), now()
     from customer c cross join (values ('EMAIL', 'mail:'), ('PHONE', '+86')) t(type, prefix)
     where c.workspace_id = ? and (t.type = 'EMAIL' or hashtext(c.id::text) % 5 <> 0)`,
    [ws, ws],
  );
  await sql(
    em,
    `insert into customer_preference (customer_id, workspace_id, preferred_channels, timezone, quiet_start, quiet_end, cap_max_contacts, cap_per_days, updated_at)
     select id, workspace_id, '{SMS,EMAIL}', (array['Asia/Shanghai','America/New_York','Europe/London'])[1 + abs(hashtext(id::text)) % 3], '22:00', '08:00',
            case when abs(hashtext(id::text)) % 4 = 0 then 3 end, case when abs(hashtext(id::text)) % 4 = 0 then 7 end, now()
     from customer where workspace_id = ? and abs(hashtext(id::text)) % 2 = 0`,
    [ws],
  );
  await sql(
    em,
    `insert into consent (id, workspace_id, customer_id, channel, purpose, granted, source, updated_at)
     select gen_random_uuid(), workspace_id, id, 'SMS', 'MARKETING', abs(hashtext(id::text)) % 10 < 5, 'bench', now()
     from customer where workspace_id = ? and abs(hashtext(id::text || 'c')) % 10 < 6`,
    [ws],
  );
  await sql(
    em,
    `insert into contact_touch (id, workspace_id, customer_id, channel, purpose, at)
     select gen_random_uuid(), workspace_id, id, 'SMS', 'MARKETING', now() - k * interval '4 days'
     from customer cross join generate_series(1, 3) k where workspace_id = ? and abs(hashtext(id::text || 't')) % 10 < 3`,
    [ws],
  );
  await em.getConnection().execute(`analyze customer, identity, customer_preference, consent, contact_touch`);
  console.log(`\nseeded ${CUSTOMERS} customers with identities, preferences, consents and touches in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const request = async (query: string, variables: Record<string, unknown>) => {
    const started = process.hrtime.bigint();
    const response = await fetch(bench.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[]; extensions?: { sqlStatements?: number } };
    if (body.errors) throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 500)}`);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, statements: body.extensions?.sqlStatements ?? NaN, data: body.data };
  };
  const cursorAfter = async (after: string | null) =>
    (await request(`query($after: String) { customers(first: ${PAGE / 2}, after: $after) { pageInfo { endCursor } } }`, { after })).data.customers.pageInfo
      .endCursor as string;
  const post = async (query: string, after: string | null) => {
    const answer = await request(query, { after, middle: await cursorAfter(after) });
    const edges = [...answer.data.first.edges, ...answer.data.second.edges];
    if (new Set(edges.map((edge: any) => edge.node.id)).size !== PAGE) throw new Error(`expected ${PAGE} distinct customers, got ${edges.length}`);
    return { ...answer, edges, endCursor: answer.data.second.pageInfo.endCursor as string };
  };
  const measure = async (query: string) => {
    const times: number[] = [];
    let statements = 0;
    let after: string | null = null;
    let blocked = 0;
    await post(query, null); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const answer = await post(query, after);
      times.push(answer.ms);
      statements = Math.max(statements, answer.statements);
      after = answer.endCursor;
      blocked += answer.edges.filter((edge: any) => edge.node.contactability && !edge.node.contactability.allowed).length;
    }
    times.sort((a, b) => a - b);
    return { mean: times.reduce((a, b) => a + b, 0) / times.length, p95: times[Math.ceil(times.length * 0.95) - 1], statements, blocked };
  };
  const bare = await measure(page(false));
  const full = await measure(page(true));
  console.log(`contactability(SMS, MARKETING) on pages of ${PAGE} customers, ${ROUNDS} pages each, one request at a time`);
  console.log(`  page without the field:   mean ${bare.mean.toFixed(1)} ms   p95 ${bare.p95.toFixed(1)} ms   ${bare.statements} SQL statements`);
  console.log(`  page with contactability: mean ${full.mean.toFixed(1)} ms   p95 ${full.p95.toFixed(1)} ms   ${full.statements} SQL statements`);
  console.log(
    `  contactability per customer: ${(((full.mean - bare.mean) / PAGE) * 1000).toFixed(1)} µs (page with the field: ${((full.mean / PAGE) * 1000).toFixed(1)} µs per customer); ${full.blocked} of ${PAGE * ROUNDS} blocked`,
  );
  await bench.stop();
  // batched, the field adds a few statements for the whole page (a read and its plan setting); unbatched, one per customer
  if (full.statements > bare.statements + 10) {
    console.error(`contactability ran ${full.statements - bare.statements} more statements than the bare page: not batched`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
