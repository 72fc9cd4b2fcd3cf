import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, withWorkMemory } from '../../db/sql';
import { LifecycleStage, MetricGroup, ValueTier } from '../../graphql/enums';
import { liveCustomerSql } from '../customer/customer.sql';
import type { TimeRangeInput } from './metrics.input';
import type { BusinessMetrics, CountByKey, CustomerMetrics, ServiceMetrics } from './metrics.types';
import { businessMetricsStatement } from './business-metrics.sql';
import { MetricsErrors } from './metrics.errors';

/** The group key of a conversation `c` (and of a survey answer `s` through its conversation). */
const KEYS: Record<MetricGroup, { conversation: string; survey: string }> = {
  [MetricGroup.NONE]: { conversation: `'ALL'`, survey: `'ALL'` },
  [MetricGroup.CHANNEL]: { conversation: `c.channel`, survey: `coalesce(c.channel, s.channel, 'NONE')` },
  [MetricGroup.AGENT]: { conversation: `coalesce(c.assignee_id::text, 'UNASSIGNED')`, survey: `coalesce(c.assignee_id::text, 'UNASSIGNED')` },
  [MetricGroup.QUEUE]: { conversation: `coalesce(c.queue_id::text, 'NONE')`, survey: `coalesce(c.queue_id::text, 'NONE')` },
  [MetricGroup.DAY]: { conversation: `to_char(c.created_at at time zone $tz, 'YYYY-MM-DD')`, survey: `to_char(s.created_at at time zone $tz, 'YYYY-MM-DD')` },
};

const MAX_RANGE_DAYS = 366;

/** A range must run forwards and span at most MAX_RANGE_DAYS. */
export function checkRange(range: TimeRangeInput): void {
  if (!(range.from < range.to)) throw MetricsErrors.rangeReversed();
  if (range.to.getTime() - range.from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw MetricsErrors.rangeTooLong(MAX_RANGE_DAYS);
}

/**
 * Every figure in one statement: conversations opened in [from, to) grouped by the key, and survey
 * answers given in the range grouped the same way (through their conversation where they have one).
 */
export async function serviceMetrics(
  em: EntityManager,
  workspaceId: string,
  timezone: string,
  range: TimeRangeInput,
  groupBy: MetricGroup,
): Promise<ServiceMetrics[]> {
  const { text, params } = serviceMetricsQuery(workspaceId, timezone, range, groupBy);
  // a month of conversations sorts and hashes tens of megabytes
  const rows = await withWorkMemory(em, (tx) => sql<Record<string, string | number | null>>(tx, text, params));
  const num = (value: string | number | null) => (value === null ? null : Math.round(Number(value) * 10_000) / 10_000);
  return rows.map((row) => ({
    key: String(row.key),
    conversations: Number(row.conversations),
    avgFirstResponseSeconds: num(row.avg_first_response),
    avgHandleSeconds: num(row.avg_handle),
    firstContactResolutionRate: num(row.fcr),
    resolutionRate: num(row.resolution),
    transferRate: num(row.transfer),
    repeatContactRate: num(row.repeat),
    slaAttainment: num(row.sla),
    csatAverage: num(row.csat),
    nps: num(row.nps),
    surveyResponses: Number(row.responses),
    botResolutionRate: num(row.bot),
    csatSatisfiedRate: num(row.csat_satisfied),
    cesAverage: num(row.ces),
    empatheticReplyRate: num(row.empathetic),
    negativeSentimentRate: num(row.negative),
    escalationRate: num(row.escalation),
  }));
}

/** The statement behind {@link serviceMetrics}, with its parameters (`?` placeholders). */
export function serviceMetricsQuery(workspaceId: string, timezone: string, range: TimeRangeInput, groupBy: MetricGroup): { text: string; params: unknown[] } {
  checkRange(range);
  const key = KEYS[groupBy];
  // answers grouped by their conversation look it up one by one (limit 1 keeps the planner from hashing every conversation)
  const surveyJoin = key.survey.includes('c.')
    ? `left join lateral (select c.channel, c.assignee_id, c.queue_id from conversation c where c.workspace_id = s.workspace_id and c.id = s.conversation_id limit 1) c on true`
    : '';
  const text = `
    with base as (
      select c.id, c.workspace_id, c.customer_id, c.channel, c.assignee_id, c.queue_id, c.created_at, c.assigned_at, c.first_response_at, c.resolved_at, c.reopen_count,
        c.first_response_sla, c.resolution_sla, c.sla_breached_at,
        c.agent_replies, c.empathetic_replies, c.scored_messages, c.negative_messages, c.escalation_count, lead(c.created_at) over (partition by c.customer_id order by c.created_at, c.id) as next_at
      from conversation c where c.workspace_id = ? and c.created_at >= ? and c.created_at < ?::timestamptz + interval '7 days'
    ),
    c as (
      select ${key.conversation.replaceAll('$tz', '?')} as key, c.*,
        t.conversation_id is not null as transferred,
        coalesce(c.next_at <= c.created_at + interval '7 days', false) as repeated,
        -- the customer's next conversation is usually the first after the resolution; look further only when it came earlier
        case when c.resolved_at is null then false
             when c.next_at > c.resolved_at then c.next_at <= c.resolved_at + interval '7 days'
             -- no later conversation before the window's end, and the 7 days after resolution end inside it
             when c.next_at is null and c.resolved_at < ?::timestamptz then false
             else exists (select 1 from conversation n where n.workspace_id = c.workspace_id and n.customer_id = c.customer_id and n.id <> c.id
                            and n.created_at > c.resolved_at and n.created_at <= c.resolved_at + interval '7 days') end as came_back,
        -- no person answered (an agent's first reply sets first_response_at) and the bot did
        case when c.first_response_at is not null then false
             else exists (select 1 from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.author = 'BOT') end as bot_only
      from base c left join (select distinct conversation_id from conversation_transfer where workspace_id = ? and at >= ?) t on t.conversation_id = c.id
      where c.created_at < ?
    ),
    cm as (
      select key, count(*)::int as conversations,
        avg(extract(epoch from first_response_at - created_at)) filter (where first_response_at is not null) as avg_first_response,
        avg(extract(epoch from resolved_at - coalesce(assigned_at, created_at))) filter (where resolved_at is not null) as avg_handle,
        count(*) filter (where resolved_at is not null) as resolved,
        count(*) filter (where resolved_at is not null and not transferred and reopen_count = 0 and not came_back) as first_contact,
        count(*) filter (where resolved_at is not null and bot_only) as bot_resolved,
        count(*) filter (where transferred) as transfers,
        count(*) filter (where repeated) as repeats,
        count(*) filter (where (first_response_sla is not null or resolution_sla is not null) and (resolved_at is not null or sla_breached_at is not null)) as sla_settled,
        count(*) filter (where (first_response_sla is not null or resolution_sla is not null) and resolved_at is not null and sla_breached_at is null) as sla_met,
        sum(agent_replies) as agent_replies, sum(empathetic_replies) as empathetic_replies, sum(scored_messages) as scored, sum(negative_messages) as negative,
        count(*) filter (where escalation_count > 0) as escalated
      from c group by key
    ),
    s as (
      select ${key.survey.replaceAll('$tz', '?')} as key, s.kind, s.score
      from survey_response s ${surveyJoin}
      where s.workspace_id = ? and s.created_at >= ? and s.created_at < ?
    ),
    sm as (
      select key, count(*)::int as responses, avg(score) filter (where kind = 'CSAT') as csat,
        (count(*) filter (where kind = 'CSAT' and score >= 4))::float8 / nullif(count(*) filter (where kind = 'CSAT'), 0) as csat_satisfied,
        avg(score) filter (where kind = 'CES') as ces,
        100.0 * (count(*) filter (where kind = 'NPS' and score >= 9) - count(*) filter (where kind = 'NPS' and score <= 6)) / nullif(count(*) filter (where kind = 'NPS'), 0) as nps
      from s group by key
    )
    select coalesce(cm.key, sm.key) as key, coalesce(cm.conversations, 0) as conversations, cm.avg_first_response, cm.avg_handle,
      cm.first_contact::float8 / nullif(cm.resolved, 0) as fcr, cm.resolved::float8 / nullif(cm.conversations, 0) as resolution,
      cm.transfers::float8 / nullif(cm.conversations, 0) as transfer, cm.repeats::float8 / nullif(cm.conversations, 0) as repeat,
      cm.sla_met::float8 / nullif(cm.sla_settled, 0) as sla, cm.bot_resolved::float8 / nullif(cm.resolved, 0) as bot,
      sm.csat, sm.nps, coalesce(sm.responses, 0) as responses, sm.csat_satisfied, sm.ces,
      cm.empathetic_replies::float8 / nullif(cm.agent_replies, 0) as empathetic, cm.negative::float8 / nullif(cm.scored, 0) as negative,
      cm.escalated::float8 / nullif(cm.conversations, 0) as escalation
    from cm full join sm on sm.key = cm.key order by 1`;
  const tz = groupBy === MetricGroup.DAY ? [timezone] : [];
  return { text, params: [workspaceId, range.from, range.to, ...tz, range.to, workspaceId, range.from, range.to, ...tz, workspaceId, range.from, range.to] };
}

/** The business figures of a range (see businessMetricsStatement), in one statement. */
export async function businessMetrics(em: EntityManager, workspaceId: string, range: TimeRangeInput): Promise<BusinessMetrics> {
  checkRange(range);
  const { text, params } = businessMetricsStatement(workspaceId, range);
  const [row] = await withWorkMemory(em, (tx) => sql<Record<string, number | null>>(tx, text, params ?? []));
  const rate = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10_000);
  return {
    retentionRate: rate(row.retention),
    repeatPurchaseRate: rate(row.repeat_purchase),
    enquiryConversionRate: rate(row.enquiry_conversion),
    crossSellRate: rate(row.cross_sell),
    activeCustomers: Number(row.active),
    newCustomers: Number(row.new_customers),
    revenue: Number(row.revenue),
  };
}

/** Live customers by stage, by tier and by first preferred channel (NONE without one). */
export async function customerMetrics(em: EntityManager, workspaceId: string): Promise<CustomerMetrics> {
  const rows = await sql<{ stage: string; tier: string; channel: string; count: number }>(
    em,
    `select c.lifecycle_stage as stage, c.value_tier as tier, coalesce(p.preferred_channels[1], 'NONE') as channel, count(*)::int as count
     from customer c left join customer_preference p on p.workspace_id = c.workspace_id and p.customer_id = c.id
     where c.workspace_id = ? and ${liveCustomerSql('c')} group by 1, 2, 3`,
    [workspaceId],
  );
  const countBy = (keys: string[], key: (row: (typeof rows)[number]) => string): CountByKey[] => {
    const counts = new Map(keys.map((k) => [k, 0]));
    for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + row.count);
    return [...counts].map(([k, count]) => ({ key: k, count }));
  };
  return {
    total: rows.reduce((sum, row) => sum + row.count, 0),
    byLifecycleStage: countBy(Object.values(LifecycleStage), (row) => row.stage),
    byValueTier: countBy(Object.values(ValueTier), (row) => row.tier),
    byPreferredChannel: countBy([], (row) => row.channel).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
  };
}
