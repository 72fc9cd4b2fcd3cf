import 'reflect-metadata';
import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { MetricGroup } from '../src/graphql/enums';
import { serviceMetricsQuery } from '../src/modules/metrics/metrics.service';
import { median, startBenchServer } from './support';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1_000_000);
const SURVEYS = Number(process.env.BENCH_SURVEYS ?? 200_000);
const CUSTOMERS = 200_000;
const AGENTS = 200;
const ROUNDS = 5;

const QUERY = `query($range: TimeRangeInput!, $groupBy: MetricGroup!) { serviceMetrics(range: $range, groupBy: $groupBy) {
  key conversations avgFirstResponseSeconds avgHandleSeconds firstContactResolutionRate resolutionRate transferRate repeatContactRate slaAttainment csatAverage nps surveyResponses botResolutionRate
  csatSatisfiedRate cesAverage empatheticReplyRate negativeSentimentRate escalationRate } }`;

/** The same figures written by hand (the plain way: a sub-query per question), straight against PostgreSQL. */
const handWritten = (key: string, surveyKey: string) => `
  with c as (
    select ${key} as key, c.*,
      exists (select 1 from conversation_transfer t where t.workspace_id = c.workspace_id and t.conversation_id = c.id) as transferred,
      exists (select 1 from conversation n where n.workspace_id = c.workspace_id and n.customer_id = c.customer_id and n.id <> c.id and n.created_at > c.created_at and n.created_at <= c.created_at + interval '7 days') as repeated,
      c.resolved_at is not null and exists (select 1 from conversation n where n.workspace_id = c.workspace_id and n.customer_id = c.customer_id and n.id <> c.id and n.created_at > c.resolved_at and n.created_at <= c.resolved_at + interval '7 days') as came_back,
      not exists (select 1 from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.author = 'AGENT')
        and exists (select 1 from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.author = 'BOT') as bot_only,
      (select count(*) from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.author = 'AGENT') as replies,
      (select count(*) from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.author = 'AGENT' and m.empathetic) as empathetic,
      (select count(*) from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.sentiment is not null) as scored,
      (select count(*) from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.sentiment < 0) as negative,
      exists (select 1 from conversation_escalation e where e.workspace_id = c.workspace_id and e.conversation_id = c.id) as escalated
    from conversation c where c.workspace_id = $1 and c.created_at >= $2 and c.created_at < $3),
  cm as (select key, count(*) n, avg(extract(epoch from first_response_at - created_at)) fr, avg(extract(epoch from resolved_at - coalesce(assigned_at, created_at))) handle,
      count(*) filter (where resolved_at is not null) resolved, count(*) filter (where resolved_at is not null and not transferred and reopen_count = 0 and not came_back) fcr,
      count(*) filter (where resolved_at is not null and bot_only) bot, count(*) filter (where transferred) transfers, count(*) filter (where repeated) repeats,
      count(*) filter (where (first_response_sla is not null or resolution_sla is not null) and (resolved_at is not null or sla_breached_at is not null)) settled,
      count(*) filter (where (first_response_sla is not null or resolution_sla is not null) and resolved_at is not null and sla_breached_at is null) met,
      sum(empathetic)::float8 / nullif(sum(replies), 0) empathy, sum(negative)::float8 / nullif(sum(scored), 0) negativity, count(*) filter (where escalated)::float8 / count(*) escalation
    from c group by key),
  sm as (select ${surveyKey} as key, count(*) n, avg(score) filter (where kind = 'CSAT') csat,
      100.0 * (count(*) filter (where kind = 'NPS' and score >= 9) - count(*) filter (where kind = 'NPS' and score <= 6)) / nullif(count(*) filter (where kind = 'NPS'), 0) nps
      , (count(*) filter (where kind = 'CSAT' and score >= 4))::float8 / nullif(count(*) filter (where kind = 'CSAT'), 0) satisfied, avg(score) filter (where kind = 'CES') ces
    from survey_response s left join conversation c on c.workspace_id = s.workspace_id and c.id = s.conversation_id
    where s.workspace_id = $1 and s.created_at >= $2 and s.created_at < $3 group by 1)
  select * from cm full join sm using (key)`;

/**
 * serviceMetrics for 30 days grouped by DAY and by AGENT over 1,000,000 conversations (a year of
 * them, stored in the order they were opened) and 200,000 survey answers, through the API, against the hand-written SQL in the same run.
 */
async function main() {
  const bench = await startBenchServer();
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  await sql(
    em,
    `insert into customer (id, workspace_id, traits, trait_times, tags, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
    select gen_random_uuid(), ?, '{}', '{}', '{}', 0, 0, now(), now(), now(), now() from generate_series(1, ?)`,
    [ws, CUSTOMERS],
  );
  await sql(em, `create temporary table bench_people as select row_number() over () as n, id from customer where workspace_id = ?`, [ws]);
  await sql(em, `create temporary table bench_agents as select n, gen_random_uuid() as id from generate_series(0, ? - 1) n`, [AGENTS]);
  await sql(
    em,
    `insert into conversation (id, workspace_id, customer_id, channel, channels_used, status, priority, rank, queue_id, assignee_id, required_skills, enqueued_at, assigned_at,
       first_response_at, first_response_sla, resolution_sla, sla_breached_at, resolved_at, reopen_count, created_at, updated_at)
     select gen_random_uuid(), ?, p.id, ch, array[ch], case when resolved then 'RESOLVED' else 'ASSIGNED' end, 'NORMAL', 2, null, a.id, '{}', t, t + interval '30 seconds',
       t + (30 + g % 600) * interval '1 second', case when g % 4 = 0 then null else 'MET' end, case when g % 4 = 0 then null else 'MET' end,
       case when g % 13 = 0 then t + interval '20 minutes' end, case when resolved then t + (300 + g % 3600) * interval '1 second' end, (g % 29 = 0)::int, t, t
     from (select g, now() - (?::bigint - g) * (interval '365 days' / ?::bigint) as t, (array['PHONE','WEB_CHAT','WECHAT','APP','EMAIL','SMS'])[1 + g % 6] as ch, g % 10 <> 0 as resolved
           from generate_series(1, ?) g) x
     join bench_people p on p.n = 1 + abs(hashint8(x.g::bigint * 7919 + 17)::bigint) % ?
     join bench_agents a on a.n = x.g % ?
     order by x.g`,
    [ws, CONVERSATIONS, CONVERSATIONS, CONVERSATIONS, CUSTOMERS, AGENTS],
  );
  await sql(
    em,
    `insert into conversation_transfer (id, workspace_id, conversation_id, from_channel, to_channel, at)
    select gen_random_uuid(), workspace_id, id, channel, 'PHONE', created_at + interval '5 minutes' from conversation where workspace_id = ? and abs(hashtext(id::text)) % 5 = 0`,
    [ws],
  );
  await sql(
    em,
    `insert into message (id, workspace_id, conversation_id, customer_id, direction, channel, author, body, created_at)
    select gen_random_uuid(), workspace_id, id, customer_id, 'OUTBOUND', channel, case when abs(hashtext(id::text)) % 8 = 0 then 'BOT' else 'AGENT' end, 'hello', first_response_at
    from conversation where workspace_id = ?`,
    [ws],
  );
  await sql(
    em,
    `insert into survey_response (id, workspace_id, customer_id, conversation_id, kind, score, created_at)
    select gen_random_uuid(), workspace_id, customer_id, id, case when g % 2 = 0 then 'CSAT' else 'NPS' end, case when g % 2 = 0 then 1 + g % 5 else g % 11 end, created_at + interval '1 hour'
    from (select c.*, row_number() over () as g from conversation c where workspace_id = ? and abs(hashtext(id::text)) % 5 = 1 limit ?) s`,
    [ws, SURVEYS],
  );
  // empathy on one reply in three, a customer's message with its sentiment on every other conversation, an escalation on one in twenty
  await sql(em, `update message set empathetic = abs(hashtext(id::text)) % 3 = 0 where workspace_id = ? and author = 'AGENT'`, [ws]);
  await sql(
    em,
    `insert into message (id, workspace_id, conversation_id, customer_id, direction, channel, author, body, sentiment, created_at)
     select gen_random_uuid(), workspace_id, id, customer_id, 'INBOUND', channel, 'CUSTOMER', 'hi', (abs(hashtext(id::text)) % 200 - 100) / 100.0, created_at
     from conversation where workspace_id = ? and abs(hashtext(id::text)) % 2 = 0`,
    [ws],
  );
  await sql(
    em,
    `insert into conversation_escalation (id, workspace_id, conversation_id, reason, from_priority, to_priority, automatic, at)
     select gen_random_uuid(), workspace_id, id, 'bench', 'NORMAL', 'HIGH', false, created_at from conversation where workspace_id = ? and abs(hashtext(id::text || 'e')) % 20 = 0`,
    [ws],
  );
  await sql(
    em,
    `update conversation c set agent_replies = t.replies, empathetic_replies = t.empathetic, scored_messages = t.scored, negative_messages = t.negative, sentiment_sum = t.total,
       escalation_count = (select count(*) from conversation_escalation e where e.workspace_id = c.workspace_id and e.conversation_id = c.id)
     from (select conversation_id, count(*) filter (where author = 'AGENT') replies, count(*) filter (where empathetic) empathetic, count(sentiment) scored,
             count(*) filter (where sentiment < 0) negative, coalesce(sum(sentiment), 0) total from message where workspace_id = ? group by conversation_id) t
     where c.workspace_id = ? and c.id = t.conversation_id`,
    [ws, ws],
  );
  await sql(
    em,
    `insert into survey_response (id, workspace_id, customer_id, conversation_id, kind, score, created_at)
     select gen_random_uuid(), workspace_id, customer_id, id, 'CES', 1 + abs(hashtext(id::text)) % 7, created_at + interval '2 hours'
     from conversation where workspace_id = ? and abs(hashtext(id::text)) % 10 = 3`,
    [ws],
  );
  for (const table of ['conversation', 'conversation_transfer', 'message', 'survey_response', 'conversation_escalation'])
    await em.getConnection().execute(`vacuum analyze ${table}`);
  console.log(
    `\nseeded ${CONVERSATIONS} conversations (with transfers and messages) and ${SURVEYS} survey answers in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const to = new Date();
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const timezone = 'Asia/Shanghai';
  const api = async (groupBy: string) => {
    const started = process.hrtime.bigint();
    const response = await fetch(bench.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` },
      body: JSON.stringify({ query: QUERY, variables: { range: { from: from.toISOString(), to: to.toISOString() }, groupBy } }),
    });
    const body = (await response.json()) as { data?: { serviceMetrics: unknown[] }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, rows: body.data!.serviceMetrics.length };
  };
  const connection = bench.orm.em.getConnection();
  const direct = async (text: string, params: unknown[]) => {
    const started = process.hrtime.bigint();
    const rows = await connection.execute(text, params);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, rows: (rows as unknown[]).length };
  };
  console.log(`serviceMetrics for 30 days (${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}), median of ${ROUNDS} runs each`);
  for (const [groupBy, key, surveyKey] of [
    ['DAY', `to_char(c.created_at at time zone '${timezone}', 'YYYY-MM-DD')`, `to_char(s.created_at at time zone '${timezone}', 'YYYY-MM-DD')`],
    ['AGENT', `coalesce(c.assignee_id::text, 'UNASSIGNED')`, `coalesce(c.assignee_id::text, 'UNASSIGNED')`],
  ]) {
    const written = handWritten(key, surveyKey);
    const params = [...written.matchAll(/\$(\d)/g)].map((match) => [ws, from, to][Number(match[1]) - 1]);
    const text = written.replace(/\$\d/g, '?');
    await api(groupBy);
    await direct(text, params);
    const apiTimes: number[] = [];
    const sqlTimes: number[] = [];
    let rows = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const a = await api(groupBy);
      apiTimes.push(a.ms);
      rows = a.rows;
      sqlTimes.push((await direct(text, params)).ms);
    }
    const [a, s] = [median(apiTimes), median(sqlTimes)];
    if (process.env.BENCH_EXPLAIN) {
      const query = serviceMetricsQuery(ws, timezone, { from, to }, groupBy as MetricGroup);
      const plan = (await connection.execute(`explain (analyze, costs off) ${query.text}`, query.params)) as { 'QUERY PLAN': string }[];
      console.log(plan.map((row) => row['QUERY PLAN']).join('\n'));
    }
    console.log(
      `  by ${groupBy.padEnd(5)} (${String(rows).padStart(3)} groups): API ${a.toFixed(0).padStart(5)} ms   hand-written SQL ${s.toFixed(0).padStart(5)} ms   ratio ${(a / s).toFixed(2)}   (targets: ratio <= 1.2, API < 1000 ms)`,
    );
  }
  await bench.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
