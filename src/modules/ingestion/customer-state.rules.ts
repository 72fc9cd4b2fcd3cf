import { IdentityType, LifecycleStage, ValueTier } from '../../graphql/enums';
import { identifierKey } from '../customer/identifier.rules';
import { isLapsed, isPurchase, stageAt } from '../lifecycle/lifecycle.rules';
import type { CustomerRow, CustomerState, FoldRules, LinkResult, ValidItem } from './ingestion.types';

const FAR_FUTURE = new Date(8.64e15);
const FAR_PAST = new Date(-8.64e15);

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const toDateOrNull = (value: Date | string | null): Date | null => (value === null ? null : toDate(value));
const later = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a > b ? a : b);
const earlier = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a < b ? a : b);

export function stateOf(row: CustomerRow | null, id?: string): CustomerState {
  if (!row) {
    // first and last seen come from the customer's first items; the write takes the batch's time if it has none
    return {
      id: id ?? '',
      displayName: null,
      contact: null,
      traits: {},
      traitTimes: {},
      tags: [],
      totalSpend: 0,
      orderCount: 0,
      firstSeenAt: FAR_FUTURE,
      lastSeenAt: FAR_PAST,
      lastPurchaseAt: null,
      stage: null,
      tier: ValueTier.BASIC,
      firstPurchaseAt: null,
      lastInboundAt: null,
      complaintAt: null,
      reactivatedAt: null,
      annualSpend: 0,
      contacts: null,
    };
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
    stage: row.lifecycle_stage,
    tier: row.value_tier,
    firstPurchaseAt: toDateOrNull(row.first_purchase_at),
    lastInboundAt: toDateOrNull(row.last_inbound_at),
    complaintAt: toDateOrNull(row.complaint_at),
    reactivatedAt: toDateOrNull(row.reactivated_at),
    annualSpend: Number(row.annual_spend),
    contacts: {
      lastContactAt: toDateOrNull(row.last_contact_at),
      lastDedicatedContactAt: toDateOrNull(row.last_dedicated_contact_at),
      since: toDate(row.created_at),
    },
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
  if (absorbed.lastPurchaseAt && (!survivor.lastPurchaseAt || absorbed.lastPurchaseAt > survivor.lastPurchaseAt))
    survivor.lastPurchaseAt = absorbed.lastPurchaseAt;
  survivor.displayName ??= absorbed.displayName;
  survivor.firstPurchaseAt = earlier(survivor.firstPurchaseAt, absorbed.firstPurchaseAt);
  survivor.lastInboundAt = later(survivor.lastInboundAt, absorbed.lastInboundAt);
  survivor.complaintAt = later(survivor.complaintAt, absorbed.complaintAt);
  survivor.reactivatedAt = later(survivor.reactivatedAt, absorbed.reactivatedAt);
  survivor.annualSpend += absorbed.annualSpend;
}

/** Applies one ingested item to its customer's state. */
export function foldItem(state: CustomerState, item: ValidItem, rules: FoldRules): void {
  mergeTraits(state, item.traits, item.occurredAtText);
  if (isPurchase(item)) {
    // lapsed as of just before this item: an order placed on a channel is also a contact, counted below
    if (state.firstPurchaseAt && isLapsed(stageAt(state, rules.stages, item.occurredAt).stage)) state.reactivatedAt = item.occurredAt;
    state.totalSpend += item.revenue;
    state.orderCount += 1;
    if (item.occurredAt >= rules.spendSince) state.annualSpend += item.revenue;
    state.firstPurchaseAt = earlier(state.firstPurchaseAt, item.occurredAt);
    if (!state.lastPurchaseAt || item.occurredAt > state.lastPurchaseAt) state.lastPurchaseAt = item.occurredAt;
  }
  if (item.channel) state.lastInboundAt = later(state.lastInboundAt, item.occurredAt);
  if (item.occurredAt > state.lastSeenAt) state.lastSeenAt = item.occurredAt;
  if (item.occurredAt < state.firstSeenAt) state.firstSeenAt = item.occurredAt;
  state.contact ??=
    item.identifiers.find((identifier) => identifier.type === IdentityType.EMAIL)?.value ??
    item.identifiers.find((identifier) => identifier.type === IdentityType.PHONE)?.value ??
    null;
}

/**
 * The state of every customer a batch leaves, folded from the rows read (`rows`, with `spend`, the
 * recount of spend in the window of those who had any), the customers the linker created and the
 * absorbed ones, then each item in order, by its linked identifiers only. Absorbed customers are
 * folded into their survivors and left out.
 */
export function foldBatch(
  rows: CustomerRow[],
  spend: Map<string, string | number>,
  link: LinkResult,
  items: ValidItem[],
  rules: FoldRules,
): Map<string, CustomerState> {
  const states = new Map<string, CustomerState>();
  for (const row of rows) states.set(row.id, stateOf(row));
  for (const id of link.created) states.set(id, stateOf(null, id));
  // stored spend may still count orders that have left the window since: the recount replaces it
  for (const row of rows) if (Number(row.annual_spend) > 0) states.get(row.id)!.annualSpend = Number(spend.get(row.id) ?? 0);
  for (const { absorbedId, survivorId } of link.absorbed) foldAbsorbed(states.get(survivorId)!, states.get(absorbedId)!);
  // an identifier left unlinked belongs to someone else: it must not name this customer
  const unlinked = new Set(link.unlinked.map(({ index, identifier }) => `${index}:${identifierKey(identifier)}`));
  const linkedOnly = (item: ValidItem): ValidItem =>
    link.unlinked.length === 0
      ? item
      : { ...item, identifiers: item.identifiers.filter((identifier) => !unlinked.has(`${item.index}:${identifierKey(identifier)}`)) };
  for (const item of items) foldItem(states.get(link.customerOf.get(item.index)!)!, linkedOnly(item), rules);
  for (const { absorbedId } of link.absorbed) states.delete(absorbedId);
  return states;
}

/** `name`, else `firstName lastName`, else what the customer was called, else an e-mail or phone. */
export function displayNameOf(state: CustomerState): string | null {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  const name = text(state.traits.name);
  if (name) return name;
  const full = [text(state.traits.firstName), text(state.traits.lastName)].filter(Boolean).join(' ');
  return full || state.displayName || state.contact;
}

/** A state as it is written: its display name made, and what the fold left unset filled in with `now`. */
export function settledState(id: string, state: CustomerState, now: Date) {
  return {
    ...state,
    id,
    displayName: displayNameOf(state),
    stage: state.stage ?? LifecycleStage.PROSPECT,
    firstSeenAt: state.firstSeenAt === FAR_FUTURE ? now : state.firstSeenAt,
    lastSeenAt: state.lastSeenAt === FAR_PAST ? now : state.lastSeenAt,
  };
}
