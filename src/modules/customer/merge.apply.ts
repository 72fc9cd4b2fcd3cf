import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { sql } from '../../db/sql';
import type { CustomerSnapshot } from './customer-merge.entity';
import type { CustomerRow } from './customer-state';

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
 * records one `customer_merge` row per absorbed customer with both sides as they were, in four
 * statements however many merges there are. The survivor's new state is written by the caller.
 */
export async function applyMerges(
  tx: EntityManager,
  workspaceId: string,
  merges: { absorbedId: string; survivorId: string; reason: string }[],
  before: CustomerRow[],
  now: Date,
): Promise<string[]> {
  const rows = new Map(before.map((row) => [row.id, row]));
  const pairs = [merges.map((m) => m.absorbedId), merges.map((m) => m.survivorId)];
  const moved = async (table: 'identity' | 'event') => {
    const result = await sql<{ id: string; absorbed: string }>(
      tx,
      `update ${table} t set customer_id = m.s from unnest(?::uuid[], ?::uuid[]) m(a, s) where t.workspace_id = ? and t.customer_id = m.a returning t.id, m.a as absorbed`,
      [...pairs, workspaceId],
    );
    const byAbsorbed = new Map<string, string[]>();
    for (const row of result) byAbsorbed.set(row.absorbed, [...(byAbsorbed.get(row.absorbed) ?? []), row.id]);
    return byAbsorbed;
  };
  const identities = await moved('identity');
  const events = await moved('event');
  const tombstones = await sql<{ id: string; absorbed: string }>(
    tx,
    `update customer c set merged_into_id = m.s, updated_at = ? from unnest(?::uuid[], ?::uuid[]) m(a, s)
     cross join lateral (select id from customer where workspace_id = ? and id = m.a
                         union all select id from customer where workspace_id = ? and merged_into_id = m.a) t
     where c.id = t.id
     returning c.id, m.a as absorbed`,
    [now, ...pairs, workspaceId, workspaceId],
  );
  const ids = merges.map(() => uuidv7());
  await sql(
    tx,
    `insert into customer_merge (id, workspace_id, survivor_id, absorbed_id, reason, survivor_before, absorbed_before, moved_identity_ids, moved_event_ids, at)
     select x.id, ?, x.s, x.a, x.r, x.sb, x.ab, array(select jsonb_array_elements_text(x.mi)), array(select jsonb_array_elements_text(x.me)), ?
     from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::jsonb[]) x(id, s, a, r, sb, ab, mi, me)`,
    [
      workspaceId,
      now,
      ids,
      merges.map((m) => m.survivorId),
      merges.map((m) => m.absorbedId),
      merges.map((m) => m.reason),
      merges.map((m) => JSON.stringify(snapshotOf(rows.get(m.survivorId)!))),
      merges.map((m) => {
        const repointed = tombstones.filter((t) => t.absorbed === m.absorbedId && t.id !== m.absorbedId).map((t) => t.id);
        return JSON.stringify({ ...snapshotOf(rows.get(m.absorbedId)!), tombstones: repointed });
      }),
      merges.map((m) => JSON.stringify(identities.get(m.absorbedId) ?? [])),
      merges.map((m) => JSON.stringify(events.get(m.absorbedId) ?? [])),
    ],
  );
  return ids;
}
