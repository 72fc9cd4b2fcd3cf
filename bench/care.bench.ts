import { Client } from 'pg';
import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { claimDueStatement } from '../src/modules/care/care-task.sql';
import { dueContactsStatement } from '../src/modules/care/care.sql';
import { graphql, median, numbered, startBenchServer, type BenchServer } from './support';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ADVISERS = 20;
const ROUNDS = 200;
const INGEST_BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 20);
const BATCH = 1000;

/** `?` placeholders as pg's $n. */

/** Rows as text, unparsed: the reference and the server's statement are timed in the database and on the wire, not in pg's type parsers. */
const raw = (client: Client, text: string, values: readonly unknown[]) =>
  client.query({ text, values: [...values], types: { getTypeParser: () => (value: string) => value } });

/** Median and p95 of `rounds` timed runs, after two to warm up. */
async function timed(rounds: number, run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 2; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: median(times), p95: times[Math.floor(times.length * 0.95)] };
}

async function seed(bench: BenchServer, now: Date): Promise<string[]> {
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  const advisers = await sql<{ id: string }>(
    em,
    `insert into agent (id, workspace_id, name, skills, max_concurrent, status, active_count, status_changed_at, dedicated, created_at)
     select gen_random_uuid(), ?, 'Adviser ' || n, '{}', 5, 'ONLINE', 0, now(), true, now() from generate_series(1, ?) n returning id`,
    [ws, ADVISERS],
  );
  const ids = advisers.map((a) => a.id);
  // 5% HIGH with an owner, 20% MEDIUM, the rest BASIC; contacts spread over the last 60 days, a third never contacted
  await sql(
    em,
    `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, value_tier, owner_id, total_spend, order_count,
       first_seen_at, last_seen_at, last_contact_at, next_contact_due_at, created_at, updated_at)
     select gen_random_uuid(), ?, 'Customer ' || n, '{}', '{}', '{}', t.tier, case when t.tier = 'HIGH' then (?::uuid[])[1 + n % ?] end, 0, 0,
       now() - interval '90 days', now(), c.at, coalesce(c.at, now() - interval '90 days') + t.days * interval '1 day', now() - interval '90 days', now()
     from generate_series(1, ?) n
     cross join lateral (select case when n % 20 = 0 then 'HIGH' when n % 5 = 0 then 'MEDIUM' else 'BASIC' end tier) k
     cross join lateral (select k.tier, case k.tier when 'HIGH' then 7 when 'MEDIUM' then 14 else 30 end days) t
     cross join lateral (select case when n % 3 = 0 then null else now() - (abs(hashint4(n)) % (60 * 24)) * interval '1 hour' end at) c`,
    [ws, ids, ADVISERS, CUSTOMERS],
  );
  // care tasks: 300,000, a third done, the open ones due across 30 days either side of now, those due over an hour ago announced
  await sql(
    em,
    `insert into care_task (id, workspace_id, customer_id, trigger, step, scene, due_at, status, done_at, due_announced_at, overdue_announced_at, created_at, updated_at)
     select gen_random_uuid(), c.workspace_id, c.id, 'FIRST_PURCHASE', 'Thank-you', 'ONBOARDING', d.due, s.status, case when s.status = 'DONE' then d.due end,
       case when d.due < ?::timestamptz - interval '1 hour' then d.due end, case when d.due < ?::timestamptz - interval '1 hour' then d.due end, ?, ?
     from (select id, workspace_id, row_number() over () n from customer where workspace_id = ? limit 300000) c
     cross join lateral (select ?::timestamptz + ((abs(hashint4(c.n::int)) % (60 * 24 * 60)) - 30 * 24 * 60) * interval '1 minute' due) d
     cross join lateral (select case when c.n % 3 = 0 then 'DONE' else 'OPEN' end status) s`,
    [now, now, now, now, ws, now],
  );
  await em.getConnection().execute(`analyze customer, care_task, agent`);
  console.log(
    `seeded ${CUSTOMERS} customers (${ADVISERS} advisers owning the HIGH ones) and 300,000 care tasks in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return ids;
}

const DUE_QUERY = `query Due($ownerId: ID, $before: DateTime) {
  dueContacts(first: 100, ownerId: $ownerId, before: $before) { edges { node { id nextContactDueAt valueTier } } pageInfo { endCursor } }
}`;

/** The reference: the same page as one hand-written statement (the index walk a DBA would write). */
const HAND_DUE = (owner: boolean, columns = 'id, next_contact_due_at, value_tier') => `select ${columns} from customer
  where workspace_id = $1 and next_contact_due_at is not null and merged_into_id is null and erased_at is null and next_contact_due_at < $2
  ${owner ? 'and owner_id is not null and owner_id = $3' : ''} order by next_contact_due_at, id limit 101`;

/** The reference for the due sweep: claim what falls due within the hour and what is past due, as a DBA would write it. */
const HAND_CLAIM = `update care_task set due_announced_at = coalesce(due_announced_at, $1::timestamptz), overdue_announced_at = case when due_at <= $1::timestamptz then $1::timestamptz end
  where workspace_id = $2 and status = 'OPEN' and overdue_announced_at is null and due_at <= $1::timestamptz + interval '1 hour' and (due_announced_at is null or due_at <= $1::timestamptz)
  returning id, owner_id`;

async function inRollback(client: Client, text: string, params: unknown[]): Promise<number> {
  await client.query('begin');
  try {
    return (await client.query(text, params)).rowCount ?? 0;
  } finally {
    await client.query('rollback');
  }
}

/** Ingest of new customers' first purchases through the API, batches taking turns with the workspace's playbooks on and off. */
async function ingestRates(bench: BenchServer): Promise<{ on: number; off: number }> {
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  let rounds = 0;
  const send = async (tag: string) => {
    // new people, one in ten buying at once (a first purchase: two care tasks each with playbooks on)
    const items = Array.from({ length: BATCH }, (_, i) => ({
      messageId: `${tag}-${rounds}-${i}`,
      kind: 'TRACK',
      ...(i % 10 === 0 ? { event: 'order_completed', revenue: 50 + (i % 500) } : { event: 'signed_up' }),
      identifiers: [{ type: 'EMAIL', value: `${tag}-${rounds}-${i}@care.bench` }],
    }));
    const started = process.hrtime.bigint();
    await graphql(
      bench,
      `
        mutation ($events: [IngestEventInput!]!) {
          ingest(events: $events) {
            accepted
          }
        }
      `,
      { events: items },
    );
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const times = { on: [] as number[], off: [] as number[] };
  for (; rounds < INGEST_BATCHES; rounds++) {
    for (const side of rounds % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await sql(em, `update playbook set active = ? where workspace_id = ?`, [side === 'on', bench.workspaceId]);
      times[side].push(await send(side));
    }
  }
  await sql(em, `update playbook set active = true where workspace_id = ?`, [bench.workspaceId]);
  const [{ tasks }] = await sql<{ tasks: number }>(
    em,
    `select count(*)::int tasks from care_task where workspace_id = ? and step in ('Thank-you', 'Check-in')`,
    [bench.workspaceId],
  );
  console.log(`care tasks after the ingest: ${tasks} (those seeded + 2 per first purchase with playbooks on)`);
  return { on: (BATCH * 1000) / median(times.on), off: (BATCH * 1000) / median(times.off) };
}

async function main() {
  const bench = await startBenchServer();
  const now = new Date();
  const advisers = await seed(bench, now);
  const client = new Client({ connectionString: bench.database.url });
  await client.connect();
  const ws = bench.workspaceId;
  const before = new Date(now.getTime() + 86_400_000);
  const owner = advisers[0];
  try {
    const lines: string[] = [];
    const check = (label: string, api: { p50: number; p95: number }, statement: { p50: number }, hand: { p50: number }) => {
      const ratio = statement.p50 / hand.p50;
      lines.push(
        `${label.padEnd(34)} API ${api.p50.toFixed(1)} ms (p95 ${api.p95.toFixed(1)})  server's SQL ${statement.p50.toFixed(2)} ms  hand-written ${hand.p50.toFixed(2)} ms  ratio ${ratio.toFixed(2)} ${ratio <= 1.2 && api.p50 < 100 ? 'ok' : 'MISSED'}`,
      );
    };
    for (const [label, ownerId] of [
      ['dueContacts(first: 100), workspace', null],
      ['dueContacts(first: 100), one owner', owner],
    ] as const) {
      const answer = await graphql(bench, DUE_QUERY, { ownerId, before: before.toISOString() });
      const handRows = (await client.query(HAND_DUE(ownerId !== null), ownerId ? [ws, before, ownerId] : [ws, before])).rows;
      const ids = answer.dueContacts.edges.map((e: { node: { id: string } }) => e.node.id);
      if (JSON.stringify(ids) !== JSON.stringify(handRows.slice(0, 100).map((r) => r.id)))
        throw new Error(`${label}: the API and the hand-written SQL disagree`);
      const statement = dueContactsStatement(ws, { before, ownerId, after: null, limit: 101 });
      const api = await timed(ROUNDS / 4, () => graphql(bench, DUE_QUERY, { ownerId, before: before.toISOString() }));
      const server = await timed(ROUNDS, () => raw(client, numbered(statement.text), statement.params ?? []));
      const hand = await timed(ROUNDS, () => raw(client, HAND_DUE(ownerId !== null), ownerId ? [ws, before, ownerId] : [ws, before]));
      check(label, api, server, hand);
      // the same walk returning whole rows, as the server reads them to serve any Customer field
      const whole = await timed(ROUNDS, () => raw(client, HAND_DUE(ownerId !== null, '*'), ownerId ? [ws, before, ownerId] : [ws, before]));
      lines.push(`${''.padEnd(34)} hand-written returning whole rows ${whole.p50.toFixed(2)} ms: server's SQL / that ${(server.p50 / whole.p50).toFixed(2)}`);
    }
    const claim = claimDueStatement(ws, now, 1);
    const claimed = await inRollback(client, numbered(claim.text), [...(claim.params ?? [])]);
    const handClaimed = await inRollback(client, HAND_CLAIM, [now, ws]);
    if (claimed !== handClaimed) throw new Error(`the due sweep claims ${claimed}, the hand-written one ${handClaimed}`);
    const sweep = await timed(ROUNDS, () => inRollback(client, numbered(claim.text), [...(claim.params ?? [])]));
    const handSweep = await timed(ROUNDS, () => inRollback(client, HAND_CLAIM, [now, ws]));
    lines.push(
      `care task due sweep (${claimed} claimed)`.padEnd(34) +
        ` job's SQL ${sweep.p50.toFixed(2)} ms  hand-written ${handSweep.p50.toFixed(2)} ms  ratio ${(sweep.p50 / handSweep.p50).toFixed(2)} ${sweep.p50 / handSweep.p50 <= 1.2 && sweep.p50 < 100 ? 'ok' : 'MISSED'}`,
    );
    const rates = await ingestRates(bench);
    lines.push(
      `ingest with playbooks on ${rates.on.toFixed(0)} ev/s, off ${rates.off.toFixed(0)} ev/s: ratio ${(rates.on / rates.off).toFixed(2)} ${rates.on / rates.off >= 0.9 ? 'ok' : 'MISSED'}`,
    );
    console.log(`\ncare over ${CUSTOMERS} customers:\n  ${lines.join('\n  ')}`);
  } finally {
    await client.end();
    await bench.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
