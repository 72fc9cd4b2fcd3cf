import { CompareOp, CustomerField } from '../../graphql/enums';
import { FIELD_KIND } from './segment-rule';
import type { Rule } from './segment-rule.types';

/** A SQL predicate over a customer row `c`, with its bound parameters in order. */
export interface Compiled {
  sql: string;
  params: unknown[];
}

const DAY = 86_400_000;
const SYMBOL: Partial<Record<CompareOp, string>> = { [CompareOp.EQ]: '=', [CompareOp.NEQ]: '<>', [CompareOp.GT]: '>', [CompareOp.GTE]: '>=', [CompareOp.LT]: '<', [CompareOp.LTE]: '<=' };

/** One comparison of a SQL expression with a bound value; `cast` types the parameter. */
function compare(expression: string, op: CompareOp, value: unknown, cast: string, params: unknown[]): string {
  switch (op) {
    case CompareOp.EXISTS:
      return `${expression} is not null`;
    case CompareOp.NOT_EXISTS:
      return `${expression} is null`;
    case CompareOp.IN:
      params.push(value);
      return `coalesce(${expression} = any(?::${cast}[]), false)`;
    case CompareOp.NOT_IN:
      params.push(value);
      return `not coalesce(${expression} = any(?::${cast}[]), false)`;
    case CompareOp.CONTAINS:
      params.push(value);
      return `coalesce(strpos(lower(${expression}::text), lower(?::text)) > 0, false)`;
    case CompareOp.STARTS_WITH:
      params.push(value);
      return `coalesce(starts_with(${expression}::text, ?::text), false)`;
    case CompareOp.NEQ:
      params.push(value);
      return `${expression} is distinct from ?::${cast}`;
    default:
      params.push(value);
      return `coalesce(${expression} ${SYMBOL[op]} ?::${cast}, false)`;
  }
}

/**
 * A JSON value (a trait or an event property) compared with a JSON value: numbers as numbers,
 * date-times and other strings as text, equality on the JSON itself. The key is a parameter too.
 */
function compareJson(column: string, key: string, op: CompareOp, value: unknown, params: unknown[]): string {
  if (op === CompareOp.EXISTS || op === CompareOp.NOT_EXISTS) {
    params.push(key);
    return `${op === CompareOp.NOT_EXISTS ? 'not ' : ''}jsonb_exists(${column}, ?::text)`;
  }
  if (op === CompareOp.IN || op === CompareOp.NOT_IN) {
    params.push(key, (value as unknown[]).map((item) => JSON.stringify(item)));
    return `${op === CompareOp.NOT_IN ? 'not ' : ''}coalesce(${column} -> ?::text = any(?::jsonb[]), false)`;
  }
  if (op === CompareOp.CONTAINS || op === CompareOp.STARTS_WITH) {
    params.push(key);
    return compare(`(${column} ->> ?::text)`, op, value, 'text', params);
  }
  if (op === CompareOp.EQ || op === CompareOp.NEQ) {
    params.push(key, JSON.stringify(value));
    return op === CompareOp.EQ ? `coalesce(${column} -> ?::text = ?::jsonb, false)` : `(${column} -> ?::text) is distinct from ?::jsonb`;
  }
  params.push(key);
  if (typeof value === 'number') {
    const number = `(case when jsonb_typeof(${column} -> ?::text) = 'number' then (${column} ->> ?::text)::numeric end)`;
    params.push(key);
    return compare(number, op, value, 'numeric', params);
  }
  return compare(`(${column} ->> ?::text)`, op, value, 'text', params);
}

const FIELD_SQL: Record<CustomerField, string> = {
  [CustomerField.LIFECYCLE_STAGE]: 'c.lifecycle_stage',
  [CustomerField.VALUE_TIER]: 'c.value_tier',
  [CustomerField.TOTAL_SPEND]: 'c.total_spend',
  [CustomerField.ORDER_COUNT]: 'c.order_count',
  [CustomerField.FIRST_SEEN_AT]: 'c.first_seen_at',
  [CustomerField.LAST_SEEN_AT]: 'c.last_seen_at',
  [CustomerField.LAST_PURCHASE_AT]: 'c.last_purchase_at',
  [CustomerField.TAG]: 'c.tags',
  [CustomerField.PREFERRED_CHANNEL]: `(select p.preferred_channels[1] from customer_preference p where p.workspace_id = c.workspace_id and p.customer_id = c.id)`,
  [CustomerField.LANGUAGE]: `(select p.language from customer_preference p where p.workspace_id = c.workspace_id and p.customer_id = c.id)`,
};

function field(rule: NonNullable<Rule['field']>, params: unknown[]): string {
  const kind = FIELD_KIND[rule.field];
  const column = FIELD_SQL[rule.field];
  if (kind === 'tag') {
    switch (rule.op) {
      case CompareOp.EXISTS:
        return `cardinality(c.tags) > 0`;
      case CompareOp.NOT_EXISTS:
        return `cardinality(c.tags) = 0`;
      case CompareOp.EQ:
        params.push(rule.value);
        return `?::text = any(c.tags)`;
      case CompareOp.NEQ:
        params.push(rule.value);
        return `not (?::text = any(c.tags))`;
      case CompareOp.IN:
        params.push(rule.value);
        return `c.tags && ?::text[]`;
      default:
        params.push(rule.value);
        return `not (c.tags && ?::text[])`;
    }
  }
  const cast = kind === 'number' ? 'numeric' : kind === 'time' ? 'timestamptz' : 'text';
  return compare(column, rule.op, rule.value, cast, params);
}

const windowStart = (now: Date, within: { days: number } | undefined) => (within ? new Date(now.getTime() - within.days * DAY) : null);

/**
 * Compiles a validated rule into one predicate over customers `c`: sub-queries for events,
 * conversations and surveys (each an index probe by customer), every value a bound parameter.
 */
export function compileRule(rule: Rule, now: Date, params: unknown[] = []): Compiled {
  const sql = node(rule, now, params);
  return { sql, params };
}

function node(rule: Rule, now: Date, params: unknown[]): string {
  if (rule.and) return `(${rule.and.map((child) => node(child, now, params)).join(' and ')})`;
  if (rule.or) return `(${rule.or.map((child) => node(child, now, params)).join(' or ')})`;
  if (rule.not) return `not ${node(rule.not, now, params)}`;
  if (rule.field) return `(${field(rule.field, params)})`;
  if (rule.trait) return `(${compareJson('c.traits', rule.trait.key, rule.trait.op, rule.trait.value, params)})`;
  if (rule.identity) {
    params.push(rule.identity.type);
    return `(${rule.identity.exists ? '' : 'not '}exists (select 1 from identity i where i.workspace_id = c.workspace_id and i.customer_id = c.id and i.type = ?))`;
  }
  if (rule.event) {
    const event = rule.event;
    const since = windowStart(now, event.within);
    const fromParams: unknown[] = [event.name, ...(since ? [since] : [])];
    const filters = (event.where ?? []).map((condition) => compareJson('e.properties', condition.key, condition.op, condition.value, fromParams));
    const from = `from event e where e.workspace_id = c.workspace_id and e.customer_id = c.id and e.type = ?${since ? ' and e.occurred_at >= ?::timestamptz' : ''}${filters.map((f) => ` and ${f}`).join('')}`;
    if (!event.count && !event.revenueSum) {
      params.push(...fromParams);
      return `exists (select 1 ${from})`;
    }
    const checks: string[] = [];
    if (event.count) checks.push(compare('count(*)', event.count.op, event.count.value, 'bigint', params));
    if (event.revenueSum) checks.push(compare('coalesce(sum(e.revenue), 0)', event.revenueSum.op, event.revenueSum.value, 'numeric', params));
    params.push(...fromParams);
    return `(select ${checks.join(' and ')} ${from})`;
  }
  if (rule.consent) {
    params.push(rule.consent.channel, rule.consent.purpose);
    const granted = `exists (select 1 from consent s where s.workspace_id = c.workspace_id and s.customer_id = c.id and s.channel = ? and s.purpose = ? and s.granted)`;
    return rule.consent.granted ? `(${granted})` : `(not ${granted})`;
  }
  if (rule.conversation) {
    const { channel, within, count } = rule.conversation;
    const since = windowStart(now, within);
    const check = compare('count(*)', count.op, count.value, 'bigint', params);
    if (channel) params.push(channel);
    if (since) params.push(since);
    const from = `from conversation v where v.workspace_id = c.workspace_id and v.customer_id in (select m.id from customer m where m.workspace_id = c.workspace_id and (m.id = c.id or m.merged_into_id = c.id))${channel ? ' and ?::text = any(v.channels_used)' : ''}${since ? ' and v.created_at >= ?::timestamptz' : ''}`;
    return `(select ${check} ${from})`;
  }
  if (rule.survey) {
    const { kind, score, within } = rule.survey;
    const since = windowStart(now, within);
    params.push(kind);
    if (since) params.push(since);
    const condition = compare('r.score', score.op, score.value, 'numeric', params);
    return `exists (select 1 from survey_response r where r.workspace_id = c.workspace_id and r.customer_id = c.id and r.kind = ?${since ? ' and r.created_at >= ?::timestamptz' : ''} and ${condition})`;
  }
  const membership = rule.segment!;
  params.push(membership.segmentId);
  return `(${membership.member ? '' : 'not '}exists (select 1 from segment_member sm where sm.workspace_id = c.workspace_id and sm.segment_id = ?::uuid and sm.customer_id = c.id))`;
}
