import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { pipeline, type Statement } from '../../db/pipeline';
import type { CustomerSnapshot } from './customer-merge.entity';
import type { CustomerRow } from '../ingestion/ingestion.types';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export function snapshotOf(row: CustomerRow): CustomerSnapshot {
  return {
    displayName: row.display_name,
    traits: row.traits,
    traitTimes: row.trait_times,
    tags: row.tags,
    totalSpend: Number(row.total_spend),
    orderCount: row.order_count,
    firstSeenAt: iso(row.first_seen_at)!,
    lastSeenAt: iso(row.last_seen_at)!,
    lastPurchaseAt: iso(row.last_purchase_at),
  };
}

/**
 * Moves what each absorbed customer owns (identities, events, older tombstones) to its survivor and
 * records one `customer_merge` row per absorbed customer with both sides as they were, in one
 * statement however many merges there are. The survivor's new state is written by the caller.
 * Rows are found by lateral probes per absorbed customer: with a plain workspace condition, a
 * workspace that outgrew its statistics would be scanned whole for a hash join.
 */
export async function applyMerges(
  tx: EntityManager,
  workspaceId: string,
  merges: { absorbedId: string; survivorId: string; reason: string }[],
  before: CustomerRow[],
  now: Date,
): Promise<string[]> {
  const { step, ids } = mergeStep(workspaceId, merges, before, now);
  await pipeline(tx, [step]);
  return ids;
}

/** The statement of {@link applyMerges}, to send with others, and the ids of the `customer_merge` rows it writes. */
export function mergeStep(
  workspaceId: string,
  merges: { absorbedId: string; survivorId: string; reason: string }[],
  before: CustomerRow[],
  now: Date,
): { step: Statement; ids: string[] } {
  const rows = new Map(before.map((row) => [row.id, row]));
  const ids = merges.map(() => uuidv7());
  const step = {
    text: `with m as (select * from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[]) m(id, a, s, reason, sb, ab)),
     identities as (
       update identity t set customer_id = m.s from m cross join lateral (select id from identity where workspace_id = ? and customer_id = m.a offset 0) x
       where t.id = x.id returning t.id, m.a),
     events as (
       update event t set customer_id = m.s from m cross join lateral (select id from event where workspace_id = ? and customer_id = m.a offset 0) x
       where t.id = x.id returning t.id, m.a),
     tombstones as (
       update customer c set merged_into_id = m.s, updated_at = ? from m
       cross join lateral (select id from customer where workspace_id = ? and id = m.a
                           union all select id from customer where workspace_id = ? and merged_into_id = m.a) t
       where c.id = t.id
       returning c.id, m.a)
     insert into customer_merge (id, workspace_id, survivor_id, absorbed_id, reason, survivor_before, absorbed_before, moved_identity_ids, moved_event_ids, at)
     select m.id, ?, m.s, m.a, m.reason, m.sb,
       m.ab || jsonb_build_object('tombstones', coalesce((select jsonb_agg(t.id) from tombstones t where t.a = m.a and t.id <> m.a), '[]')),
       coalesce((select array_agg(i.id::text) from identities i where i.a = m.a), '{}'),
       coalesce((select array_agg(e.id::text) from events e where e.a = m.a), '{}'), ?
     from m`,
    params: [
      ids,
      merges.map((m) => m.absorbedId),
      merges.map((m) => m.survivorId),
      merges.map((m) => m.reason),
      merges.map((m) => JSON.stringify(snapshotOf(rows.get(m.survivorId)!))),
      merges.map((m) => JSON.stringify(snapshotOf(rows.get(m.absorbedId)!))),
      workspaceId,
      workspaceId,
      now,
      workspaceId,
      workspaceId,
      workspaceId,
      now,
    ],
  };
  return { step, ids };
}
