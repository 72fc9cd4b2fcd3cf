import type { IdealStatement } from './ideal-handler';

/** A time as the DateTime scalar prints it (Date.toISOString: UTC, milliseconds). */
const iso = (expression: string) => `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** An event's cursor as connection.ts encodes it: base64url of the JSON of [keyText(occurred_at), id] (microseconds). */
const cursor = (e: string) =>
  `translate(encode(convert_to('["' || to_char(${e}.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '","' || ${e}.id || '"]', 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

/**
 * The customer-360 answer in one statement: the workspace set first (row-level security), the
 * customer with its identities, its 20 latest events (one more read to know of a next page) and the
 * merges it took part in, aggregated as the response's JSON, in the API's orders.
 */
export const IDEAL: IdealStatement = {
  name: 'ideal-customer-360',
  values: (variables) => [variables.id],
  text: `with s as materialized (select set_config('cdp.workspace_id', $1, false)::uuid ws),
  c as materialized (select c.* from s, customer c where c.id = $2 and c.workspace_id = s.ws and c.merged_into_id is null),
  e as materialized (
    select e.*, row_number() over (order by e.occurred_at desc, e.id desc) n
    from c, event e where e.workspace_id = c.workspace_id and e.customer_id = c.id
    order by e.occurred_at desc, e.id desc limit 21)
  select json_build_object('data', json_build_object('customer', (
    select json_build_object(
      'id', c.id, 'displayName', c.display_name, 'traits', c.traits, 'tags', c.tags,
      'lifecycleStage', c.lifecycle_stage, 'valueTier', c.value_tier, 'totalSpend', c.total_spend, 'orderCount', c.order_count,
      'lastSeenAt', ${iso('c.last_seen_at')}, 'lastPurchaseAt', ${iso('c.last_purchase_at')},
      'identities', (
        select coalesce(json_agg(json_build_object('type', i.type, 'value', i.value, 'verified', i.verified, 'lastSeenAt', ${iso('i.last_seen_at')}) order by i.first_seen_at, i.id), '[]')
        from identity i where i.workspace_id = c.workspace_id and i.customer_id = c.id),
      'events', json_build_object(
        'edges', (
          select coalesce(json_agg(json_build_object('node', json_build_object(
            'id', e.id, 'type', e.type, 'properties', e.properties, 'revenue', e.revenue, 'channel', e.channel, 'occurredAt', ${iso('e.occurred_at')})) order by e.n), '[]')
          from e where e.n <= 20),
        'pageInfo', json_build_object(
          'hasNextPage', (select count(*) > 20 from e),
          'endCursor', (select ${cursor('e')} from e where e.n = (select least(count(*), 20) from e)))),
      'merges', (
        select coalesce(json_agg(json_build_object('id', m.id, 'survivorId', m.survivor_id, 'absorbedId', m.absorbed_id, 'reason', m.reason, 'at', ${iso('m.at')}) order by m.at desc, m.id desc), '[]')
        from customer_merge m where m.workspace_id = c.workspace_id and (m.survivor_id = c.id or m.absorbed_id = c.id)))
    from c)))::text answer`,
};
