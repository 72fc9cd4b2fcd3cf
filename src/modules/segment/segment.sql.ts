import { CompareOp, CustomerField } from '../../graphql/enums';
import { FIELD_KIND } from './segment.rules';
import type { Rule } from './segment-rule.types';

/** A SQL predicate over a customer row `c`, with its bound parameters in order. */
export interface Compiled {
  sql: string;
  params: unknown[];
}

const DAY = 86_400_000;
const SYMBOL: Partial<Record<CompareOp, string>> = {
  [CompareOp.EQ]: '=',
  [CompareOp.NEQ]: '<>',
  [CompareOp.GT]: '>',
  [CompareOp.GTE]: '>=',
  [CompareOp.LT]: '<',
  [CompareOp.LTE]: '<=',
};

/**
 * One comparison of a SQL expression with a bound value; `cast` types the parameter. Comparisons stay
 * plain (`x = ?`, which indexes and row estimates understand) and may be null when `x` is: a null
 * rejects the row wherever it stands under and/or, and every negation is written `is not true`.
 */
function compare(expression: string, op: CompareOp, value: unknown, cast: string, params: unknown[]): string {
  switch (op) {
    case CompareOp.EXISTS:
      return `${expression} is not null`;
    case CompareOp.NOT_EXISTS:
      return `${expression} is null`;
    case CompareOp.IN:
      params.push(value);
      return `${expression} = any(?::${cast}[])`;
    case CompareOp.NOT_IN:
      params.push(value);
      return `(${expression} = any(?::${cast}[])) is not true`;
    case CompareOp.CONTAINS:
      params.push(value);
      return `strpos(lower(${expression}::text), lower(?::text)) > 0`;
    case CompareOp.STARTS_WITH:
      params.push(value);
      return `starts_with(${expression}::text, ?::text)`;
    case CompareOp.NEQ:
      params.push(value);
      return `${expression} is distinct from ?::${cast}`;
    default:
      params.push(value);
      return `${expression} ${SYMBOL[op]} ?::${cast}`;
  }
}

/** The negation of a predicate that may be null: true unless it is true. */
const negate = (predicate: string) => `(${predicate}) is not true`;

/**
 * A JSON value (a trait or an event property) compared with a JSON value: numbers as numbers,
 * date-times and other strings as text, equality on the JSON itself. The key is a parameter too.
 */
function compareJson(column: string, key: string, op: CompareOp, value: unknown, params: unknown[]): string {
  if (op === CompareOp.EXISTS || op === CompareOp.NOT_EXISTS) {
    params.push(key);
    const exists = `jsonb_exists(${column}, ?::text)`;
    return op === CompareOp.NOT_EXISTS ? negate(exists) : exists;
  }
  if (op === CompareOp.IN || op === CompareOp.NOT_IN) {
    params.push(
      key,
      (value as unknown[]).map((item) => JSON.stringify(item)),
    );
    const inList = `${column} -> ?::text = any(?::jsonb[])`;
    return op === CompareOp.NOT_IN ? negate(inList) : inList;
  }
  if (op === CompareOp.CONTAINS || op === CompareOp.STARTS_WITH) {
    params.push(key);
    return compare(`(${column} ->> ?::text)`, op, value, 'text', params);
  }
  if (op === CompareOp.EQ && typeof value === 'string') {
    // as text first (cheap, and what an index on the expression would hold), then the JSON type
    params.push(key, value, key);
    return `(${column} ->> ?::text = ?::text and jsonb_typeof(${column} -> ?::text) = 'string')`;
  }
  if (op === CompareOp.EQ || op === CompareOp.NEQ) {
    params.push(key, JSON.stringify(value));
    return op === CompareOp.EQ ? `${column} -> ?::text = ?::jsonb` : `(${column} -> ?::text) is distinct from ?::jsonb`;
  }
  params.push(key);
  if (typeof value === 'number') {
    const number = `(case when jsonb_typeof(${column} -> ?::text) = 'number' then (${column} ->> ?::text)::numeric end)`;
    params.push(key);
    return compare(number, op, value, 'numeric', params);
  }
  return compare(`(${column} ->> ?::text)`, op, value, 'text', params);
}

/** Customer fields kept in `customer_preference`, by column. */
const PREFERENCE_COLUMN: Partial<Record<CustomerField, string>> = {
  [CustomerField.PREFERRED_CHANNEL]: 'p.preferred_channels[1]',
  [CustomerField.LANGUAGE]: 'p.language',
};

const preference = (field: CustomerField) =>
  `(select ${PREFERENCE_COLUMN[field]} from customer_preference p where p.workspace_id = c.workspace_id and p.customer_id = c.id)`;

const FIELD_SQL: Record<CustomerField, string> = {
  [CustomerField.LIFECYCLE_STAGE]: 'c.lifecycle_stage',
  [CustomerField.VALUE_TIER]: 'c.value_tier',
  [CustomerField.TOTAL_SPEND]: 'c.total_spend',
  [CustomerField.ORDER_COUNT]: 'c.order_count',
  [CustomerField.FIRST_SEEN_AT]: 'c.first_seen_at',
  [CustomerField.LAST_SEEN_AT]: 'c.last_seen_at',
  [CustomerField.LAST_PURCHASE_AT]: 'c.last_purchase_at',
  [CustomerField.TAG]: 'c.tags',
  [CustomerField.PREFERRED_CHANNEL]: preference(CustomerField.PREFERRED_CHANNEL),
  [CustomerField.LANGUAGE]: preference(CustomerField.LANGUAGE),
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
 * True when a comparison built by {@link compare} holds for a missing value (no row, or SQL null):
 * a customer with no preference row "is not" every channel.
 */
const holdsForMissing = (op: CompareOp): boolean => op === CompareOp.NOT_EXISTS || op === CompareOp.NOT_IN || op === CompareOp.NEQ;

/** Whether a count or amount comparison (validated to EQ, NEQ, GT, GTE, LT or LTE) holds for a customer with none. */
function holdsAtZero(op: CompareOp, value: number): boolean {
  switch (op) {
    case CompareOp.EQ:
      return value === 0;
    case CompareOp.NEQ:
      return value !== 0;
    case CompareOp.GT:
      return 0 > value;
    case CompareOp.GTE:
      return 0 >= value;
    case CompareOp.LT:
      return 0 < value;
    default:
      return 0 <= value;
  }
}

/**
 * How sub-queries meet the customer row. CORRELATED probes per customer (best when a few known
 * customers are re-evaluated); SET computes each sub-query once for the workspace and joins on
 * `c.id in (...)` (best over the whole workspace: PostgreSQL makes it a hash semi-join).
 */
export type Plan = { kind: 'CORRELATED' } | { kind: 'SET'; workspaceId: string };
const CORRELATED: Plan = { kind: 'CORRELATED' };

/**
 * Compiles a validated rule into one predicate over customers `c`: sub-queries for events,
 * preferences, consent, conversations and surveys, every value a bound parameter.
 */
export function compileRule(rule: Rule, now: Date, params: unknown[] = [], plan: Plan = CORRELATED): Compiled {
  const sql = node(rule, now, params, plan);
  return { sql, params };
}

/** `c.id in (select ...)`, or its complement when the condition also holds for customers the select cannot list. */
const idIn = (select: string, complement: boolean) => (complement ? `not (c.id in (${select}))` : `c.id in (${select})`);

function node(rule: Rule, now: Date, params: unknown[], plan: Plan): string {
  if (rule.and) return `(${rule.and.map((child) => node(child, now, params, plan)).join(' and ')})`;
  if (rule.or) return `(${rule.or.map((child) => node(child, now, params, plan)).join(' or ')})`;
  if (rule.not) return negate(node(rule.not, now, params, plan));
  if (rule.field && plan.kind === 'SET' && PREFERENCE_COLUMN[rule.field.field]) {
    const missing = holdsForMissing(rule.field.op);
    params.push(plan.workspaceId);
    const condition = compare(PREFERENCE_COLUMN[rule.field.field]!, rule.field.op, rule.field.value, 'text', params);
    return `(${idIn(`select p.customer_id from customer_preference p where p.workspace_id = ?::uuid and ${missing ? negate(condition) : condition}`, missing)})`;
  }
  if (rule.field) return `(${field(rule.field, params)})`;
  if (rule.trait) return `(${compareJson('c.traits', rule.trait.key, rule.trait.op, rule.trait.value, params)})`;
  if (rule.identity) {
    params.push(rule.identity.type);
    return `(${rule.identity.exists ? '' : 'not '}exists (select 1 from identity i where i.workspace_id = c.workspace_id and i.customer_id = c.id and i.type = ?))`;
  }
  if (rule.event) return event(rule.event, now, params, plan);
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
  if (rule.sentiment) {
    const since = windowStart(now, rule.sentiment.within);
    params.push(rule.sentiment.below);
    if (since) params.push(since);
    return `exists (select 1 from message m where m.workspace_id = c.workspace_id and m.customer_id in (select f.id from customer f where f.workspace_id = c.workspace_id and (f.id = c.id or f.merged_into_id = c.id))
      and m.sentiment < ?${since ? ' and m.created_at >= ?::timestamptz' : ''})`;
  }
  if (rule.contact) {
    params.push(windowStart(now, rule.contact.within));
    return rule.contact.contacted ? `(c.last_contact_at >= ?::timestamptz)` : `(c.last_contact_at is null or c.last_contact_at < ?::timestamptz)`;
  }
  const membership = rule.segment!;
  params.push(membership.segmentId);
  return `(${membership.member ? '' : 'not '}exists (select 1 from segment_member sm where sm.workspace_id = c.workspace_id and sm.segment_id = ?::uuid and sm.customer_id = c.id))`;
}

/** An event condition: any matching event, or a count or revenue sum over them (0 for a customer with none). */
function event(rule: NonNullable<Rule['event']>, now: Date, params: unknown[], plan: Plan): string {
  const since = windowStart(now, rule.within);
  const set = plan.kind === 'SET';
  const fromParams: unknown[] = [...(set ? [plan.workspaceId] : []), rule.name, ...(since ? [since] : [])];
  const filters = (rule.where ?? []).map((condition) => compareJson('e.properties', condition.key, condition.op, condition.value, fromParams));
  const scope = set ? 'e.workspace_id = ?::uuid' : 'e.workspace_id = c.workspace_id and e.customer_id = c.id';
  const from = `from event e where ${scope} and e.type = ?${since ? ' and e.occurred_at >= ?::timestamptz' : ''}${filters.map((f) => ` and ${f}`).join('')}`;
  const checkParams: unknown[] = [];
  const checks: string[] = [];
  if (rule.count) checks.push(compare('count(*)', rule.count.op, rule.count.value, 'bigint', checkParams));
  if (rule.revenueSum) checks.push(compare('coalesce(sum(e.revenue), 0)', rule.revenueSum.op, rule.revenueSum.value, 'numeric', checkParams));
  if (!set) {
    params.push(...checkParams, ...fromParams);
    return checks.length ? `(select ${checks.join(' and ')} ${from})` : `exists (select 1 ${from})`;
  }
  params.push(...fromParams, ...checkParams);
  if (!checks.length) return `(c.id in (select e.customer_id ${from}))`;
  const atZero = (!rule.count || holdsAtZero(rule.count.op, rule.count.value)) && (!rule.revenueSum || holdsAtZero(rule.revenueSum.op, rule.revenueSum.value));
  const having = checks.join(' and ');
  return `(${idIn(`select e.customer_id ${from} group by e.customer_id having ${atZero ? negate(having) : having}`, atZero)})`;
}
