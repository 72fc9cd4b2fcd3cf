import { nextContactDue } from '../care/cadence.rules';
import type { ContactCadence } from '../workspace/workspace-settings.types';
import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { pipeline, TextArray, type Copy, type Statement, type Step } from '../../db/pipeline';
import type { IdentityType } from '../../graphql/enums';
import { identifierKey, type Identifier } from '../customer/identifier.rules';
import { purchaseSql } from '../lifecycle/lifecycle.rules';
import { settledState } from './customer-state.rules';
import type { CustomerState, LinkResult, ValidItem } from './ingestion.types';

/** An identity row that one of the batch's identifiers names. */
export interface OwnedRow {
  id: string;
  type: string;
  value: string;
  customer_id: string;
}

/**
 * Before anything is written: the identifier keys of erased customers (hashed as erase stores them),
 * the messageIds already applied, and then the identifier locks, taken in sorted order so that
 * racing batches resolve one after the other. The first two are read before the locks, which a
 * racing batch may hold: a messageId it applies as well is refused by the unique index, and the
 * retry finds it. One row: `suppressed` keys and `seen` messageIds.
 */
export function screenAndLock(workspaceId: string, keys: Identifier[], items: ValidItem[]): Statement {
  return {
    text: `with k as (select * from unnest(?::text[]) k(key))
     select
       (select coalesce(json_agg(k.key), '[]') from k where exists (select 1 from suppression s
          where s.workspace_id = ? and s.type = split_part(k.key, ':', 1) and s.value_hash = encode(sha256(convert_to(k.key, 'UTF8')), 'hex'))) suppressed,
       (select coalesce(json_agg(m.message_id), '[]') from unnest(?::text[]) m(message_id)
          cross join lateral (select 1 from event where workspace_id = ? and message_id = m.message_id limit 1) e) seen,
       (select count(*) from (select pg_advisory_xact_lock(h) from (select distinct hashtextextended(? || k.key, 0) h from k order by 1) hashes) locks) locked`,
    params: [keys.map(identifierKey), workspaceId, items.map((item) => item.messageId), workspaceId, workspaceId],
  };
}

/**
 * Behind the locks, on a snapshot taken after them: the owner of each identifier, those customers
 * locked (in id order, so that racing writers lock them alike), their values of limited identifier
 * types, and the spend inside the window of those who had any. One row of four JSON arrays.
 */
export function readOwners(workspaceId: string, keys: Identifier[], limitedTypes: IdentityType[], spendSince: Date): Statement {
  return {
    text: `with owned as (
       select i.id, i.type, i.value, i.customer_id from unnest(?::text[], ?::text[]) k(type, value)
       cross join lateral (select id, type, value, customer_id from identity where workspace_id = ? and type = k.type and value = k.value limit 1) i
     ), customers as (
       select c.* from (select distinct customer_id id from owned order by 1) k
       cross join lateral (select * from customer where workspace_id = ? and id = k.id limit 1 for update) c
     ), limited as (
       select l.* from customers c
       cross join lateral (select customer_id, type, value from identity where workspace_id = ? and customer_id = c.id and type = any(?) offset 0) l
     ), spent as (
       select c.id, e.spend from customers c
       cross join lateral (select coalesce(sum(revenue), 0) spend from event
         where workspace_id = ? and customer_id = c.id and occurred_at >= ? and ${purchaseSql}) e
       where c.annual_spend > 0
     )
     select (select coalesce(json_agg(owned), '[]') from owned) owned, (select coalesce(json_agg(customers), '[]') from customers) customers,
       (select coalesce(json_agg(limited), '[]') from limited) limited, (select coalesce(json_agg(spent), '[]') from spent) spend`,
    params: [keys.map((k) => k.type), keys.map((k) => k.value), workspaceId, workspaceId, workspaceId, limitedTypes, workspaceId, spendSince],
  };
}

/** Marks the known identities as seen now. */
export function touchIdentities(workspaceId: string, owned: OwnedRow[], now: Date): Statement[] {
  if (!owned.length) return [];
  // the ids come from here, not from a CTE: the planner would expect a row per identifier looked up
  // (most are new) and hash-join the whole table
  return [
    {
      text: `update identity i set last_seen_at = greatest(i.last_seen_at, ?) from unnest(?::uuid[]) k(id) where i.id = k.id and i.workspace_id = ?`,
      params: [now, owned.map((row) => row.id), workspaceId],
    },
  ];
}

/** The identities the linker created, first and last seen when their item occurred. */
export function identitiesCopy(workspaceId: string, link: LinkResult, itemAt: Map<number, ValidItem>): Copy {
  return {
    table: 'identity',
    columns: ['id', 'workspace_id', 'customer_id', 'type', 'value', 'source', 'verified', 'first_seen_at', 'last_seen_at'],
    rows: [...link.newIdentities.values()].map(({ identifier, customerId, index }) => {
      const { source, occurredAtText } = itemAt.get(index)!;
      return [uuidv7(), workspaceId, customerId, identifier.type, identifier.value, source, identifier.verified ?? false, occurredAtText, occurredAtText];
    }),
  };
}

/** One event per applied item, on the customer it was linked to. */
export function eventsCopy(workspaceId: string, items: ValidItem[], customerOf: Map<number, string>, now: Date): Copy {
  return {
    table: 'event',
    columns: ['id', 'workspace_id', 'customer_id', 'message_id', 'type', 'properties', 'revenue', 'channel', 'occurred_at', 'received_at'],
    rows: items.map((item) => [
      uuidv7(),
      workspaceId,
      customerOf.get(item.index),
      item.messageId,
      item.event,
      item.properties,
      item.revenue,
      item.channel,
      item.occurredAtText,
      now,
    ]),
  };
}

/** Writes every computed state: new customers in one COPY, existing ones in one update. */
export async function applyCustomerState(
  tx: EntityManager,
  workspaceId: string,
  states: Map<string, CustomerState>,
  created: Set<string>,
  cadences: readonly ContactCadence[],
  now: Date,
): Promise<void> {
  await pipeline(tx, customerStateSteps(workspaceId, states, created, cadences, now));
}

/** The steps of {@link applyCustomerState}, to send with others. */
export function customerStateSteps(
  workspaceId: string,
  states: Map<string, CustomerState>,
  created: Set<string>,
  cadences: readonly ContactCadence[],
  now: Date,
): Step[] {
  const all = [...states.entries()].map(([id, state]) => settledState(id, state, now));
  const nextDue = (s: CustomerState) => nextContactDue(s.tier, s.contacts ?? { lastContactAt: null, lastDedicatedContactAt: null, since: now }, cadences);
  const copy: Step = {
    table: 'customer',
    columns: [
      'id',
      'workspace_id',
      'display_name',
      'traits',
      'trait_times',
      'tags',
      'total_spend',
      'order_count',
      'first_seen_at',
      'last_seen_at',
      'last_purchase_at',
      'lifecycle_stage',
      'value_tier',
      'first_purchase_at',
      'last_inbound_at',
      'complaint_at',
      'reactivated_at',
      'annual_spend',
      'next_contact_due_at',
      'created_at',
      'updated_at',
    ],
    rows: all
      .filter((s) => created.has(s.id))
      .map((s) => [
        s.id,
        workspaceId,
        s.displayName,
        s.traits,
        s.traitTimes,
        new TextArray(s.tags),
        s.totalSpend,
        s.orderCount,
        s.firstSeenAt,
        s.lastSeenAt,
        s.lastPurchaseAt,
        s.stage,
        s.tier,
        s.firstPurchaseAt,
        s.lastInboundAt,
        s.complaintAt,
        s.reactivatedAt,
        s.annualSpend,
        nextDue(s),
        now,
        now,
      ]),
  };
  const existing = all.filter((s) => !created.has(s.id));
  if (!existing.length) return [copy];
  const records = existing.map((s) => ({
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
    lifecycle_stage: s.stage,
    value_tier: s.tier,
    first_purchase_at: s.firstPurchaseAt?.toISOString() ?? null,
    last_inbound_at: s.lastInboundAt?.toISOString() ?? null,
    complaint_at: s.complaintAt?.toISOString() ?? null,
    reactivated_at: s.reactivatedAt?.toISOString() ?? null,
    annual_spend: s.annualSpend,
    next_contact_due_at: nextDue(s)?.toISOString() ?? null,
  }));
  // the workspace check sits in a lateral probe: as a plain condition, a workspace that outgrew its
  // statistics would have it scanned whole for a hash join
  const update: Step = {
    text: `update customer c set display_name = x.display_name, traits = x.traits, trait_times = x.trait_times, tags = x.tags,
       total_spend = x.total_spend, order_count = x.order_count, first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at,
       last_purchase_at = x.last_purchase_at, lifecycle_stage = x.lifecycle_stage, value_tier = x.value_tier, first_purchase_at = x.first_purchase_at,
       last_inbound_at = x.last_inbound_at, complaint_at = x.complaint_at, reactivated_at = x.reactivated_at, annual_spend = x.annual_spend,
       next_contact_due_at = x.next_contact_due_at, updated_at = ?
     from jsonb_to_recordset(?::jsonb) x(id uuid, display_name text, traits jsonb, trait_times jsonb, tags text[], total_spend numeric, order_count int,
       first_seen_at timestamptz, last_seen_at timestamptz, last_purchase_at timestamptz, lifecycle_stage text, value_tier text, first_purchase_at timestamptz,
       last_inbound_at timestamptz, complaint_at timestamptz, reactivated_at timestamptz, annual_spend numeric, next_contact_due_at timestamptz)
     cross join lateral (select id from customer where workspace_id = ? and id = x.id limit 1) k
     where c.id = k.id`,
    params: [now, JSON.stringify(records), workspaceId],
  };
  return [copy, update];
}
