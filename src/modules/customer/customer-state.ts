import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import { IdentityType } from '../../graphql/enums';
import type { ValidItem } from './ingest.service';

/** A customer row as SQL returns it. */
export interface CustomerRow {
  id: string;
  merged_into_id: string | null;
  display_name: string | null;
  traits: Record<string, unknown>;
  trait_times: Record<string, string>;
  tags: string[];
  total_spend: string | number;
  order_count: number;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  last_purchase_at: Date | string | null;
  erased_at: Date | string | null;
  created_at: Date | string;
}

/** What ingestion computes for a customer before writing it back in one statement. */
export interface CustomerState {
  id: string;
  displayName: string | null;
  /** Fallback name when no name trait exists: the first e-mail or phone seen. */
  contact: string | null;
  traits: Record<string, unknown>;
  traitTimes: Record<string, string>;
  tags: string[];
  totalSpend: number;
  orderCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastPurchaseAt: Date | null;
}

const FAR_FUTURE = new Date(8.64e15);
const FAR_PAST = new Date(-8.64e15);

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

export function stateOf(row: CustomerRow | null, now = new Date(), id?: string): CustomerState {
  if (!row) {
    // first and last seen come from the customer's first items; `now` only if it has none
    return { id: id ?? '', displayName: null, contact: null, traits: {}, traitTimes: {}, tags: [], totalSpend: 0, orderCount: 0, firstSeenAt: FAR_FUTURE, lastSeenAt: FAR_PAST, lastPurchaseAt: null };
  }
  return {
    id: row.id,
    displayName: row.display_name,
    contact: null,
    traits: { ...row.traits },
    traitTimes: { ...row.trait_times },
    tags: [...row.tags],
    totalSpend: Number(row.total_spend),
    orderCount: row.order_count,
    firstSeenAt: toDate(row.first_seen_at),
    lastSeenAt: toDate(row.last_seen_at),
    lastPurchaseAt: row.last_purchase_at ? toDate(row.last_purchase_at) : null,
  };
}

/** Sets traits observed at `at`, keeping for each key the most recent observation. */
export function mergeTraits(state: CustomerState, traits: Record<string, unknown>, times: Record<string, string> | string): void {
  for (const [key, value] of Object.entries(traits)) {
    const at = typeof times === 'string' ? times : (times[key] ?? '');
    const current = state.traitTimes[key];
    if (current === undefined || at >= current) {
      state.traits[key] = value;
      state.traitTimes[key] = at;
    }
  }
}

/** Folds an absorbed customer into its survivor: traits by recency, tags, spend, first and last seen. */
export function foldAbsorbed(survivor: CustomerState, absorbed: CustomerState): void {
  mergeTraits(survivor, absorbed.traits, absorbed.traitTimes);
  survivor.tags = [...new Set([...survivor.tags, ...absorbed.tags])];
  survivor.totalSpend += absorbed.totalSpend;
  survivor.orderCount += absorbed.orderCount;
  survivor.firstSeenAt = absorbed.firstSeenAt < survivor.firstSeenAt ? absorbed.firstSeenAt : survivor.firstSeenAt;
  survivor.lastSeenAt = absorbed.lastSeenAt > survivor.lastSeenAt ? absorbed.lastSeenAt : survivor.lastSeenAt;
  if (absorbed.lastPurchaseAt && (!survivor.lastPurchaseAt || absorbed.lastPurchaseAt > survivor.lastPurchaseAt)) survivor.lastPurchaseAt = absorbed.lastPurchaseAt;
  survivor.displayName ??= absorbed.displayName;
}

export const isPurchase = (event: string): boolean => event.startsWith('order_completed');

/** Applies one ingested item to its customer's state. */
export function foldItem(state: CustomerState, item: ValidItem): void {
  mergeTraits(state, item.traits, item.occurredAtText);
  if (isPurchase(item.event) && item.revenue !== null) {
    state.totalSpend += item.revenue;
    state.orderCount += 1;
    if (!state.lastPurchaseAt || item.occurredAt > state.lastPurchaseAt) state.lastPurchaseAt = item.occurredAt;
  }
  if (item.occurredAt > state.lastSeenAt) state.lastSeenAt = item.occurredAt;
  if (item.occurredAt < state.firstSeenAt) state.firstSeenAt = item.occurredAt;
  state.contact ??=
    item.identifiers.find((identifier) => identifier.type === IdentityType.EMAIL)?.value ??
    item.identifiers.find((identifier) => identifier.type === IdentityType.PHONE)?.value ??
    null;
}

/** `name`, else `firstName lastName`, else what the customer was called, else an e-mail or phone. */
export function displayNameOf(state: CustomerState): string | null {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  const name = text(state.traits.name);
  if (name) return name;
  const full = [text(state.traits.firstName), text(state.traits.lastName)].filter(Boolean).join(' ');
  return full || state.displayName || state.contact;
}

/** Writes every computed state: new customers in one insert, existing ones in one update. */
export async function applyCustomerState(tx: EntityManager, workspaceId: string, states: Map<string, CustomerState>, created: Set<string>, now: Date): Promise<void> {
  const all = [...states.entries()].map(([id, state]) => ({
    ...state,
    id,
    displayName: displayNameOf(state),
    firstSeenAt: state.firstSeenAt === FAR_FUTURE ? now : state.firstSeenAt,
    lastSeenAt: state.lastSeenAt === FAR_PAST ? now : state.lastSeenAt,
  }));
  const records = (list: typeof all) =>
    JSON.stringify(
      list.map((s) => ({
        id: s.id,
        display_name: s.displayName,
        traits: s.traits,
        trait_times: s.traitTimes,
        tags: s.tags,
        total_spend: s.totalSpend,
        order_count: s.orderCount,
        // ISO text, not Date: a Date takes JSON.stringify off its fast path (several times slower)
        first_seen_at: s.firstSeenAt.toISOString(),
        last_seen_at: s.lastSeenAt.toISOString(),
        last_purchase_at: s.lastPurchaseAt?.toISOString() ?? null,
      })),
    );
  const recordset = `jsonb_to_recordset(?::jsonb) x(id uuid, display_name text, traits jsonb, trait_times jsonb, tags text[], total_spend numeric, order_count int, first_seen_at timestamptz, last_seen_at timestamptz, last_purchase_at timestamptz)`;
  const fresh = all.filter((s) => created.has(s.id));
  if (fresh.length) {
    await sql(
      tx,
      `insert into customer (id, workspace_id, display_name, traits, trait_times, tags, lifecycle_stage, value_tier, total_spend, order_count, first_seen_at, last_seen_at, last_purchase_at, created_at, updated_at)
       select x.id, ?, x.display_name, x.traits, x.trait_times, x.tags, 'PROSPECT', 'BASIC', x.total_spend, x.order_count, x.first_seen_at, x.last_seen_at, x.last_purchase_at, ?, ? from ${recordset}`,
      [workspaceId, now, now, records(fresh)],
    );
  }
  const existing = all.filter((s) => !created.has(s.id));
  if (existing.length) {
    await sql(
      tx,
      `update customer c set display_name = x.display_name, traits = x.traits, trait_times = x.trait_times, tags = x.tags,
         total_spend = x.total_spend, order_count = x.order_count, first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at,
         last_purchase_at = x.last_purchase_at, updated_at = ?
       from ${recordset} where c.workspace_id = ? and c.id = x.id`,
      [now, records(existing), workspaceId],
    );
  }
}
