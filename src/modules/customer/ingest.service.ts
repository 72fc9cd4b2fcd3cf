import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { pipeline, type Statement, type Step } from '../../db/pipeline';
import { planForAnyWorkspace, restorePlanMode, StaleReadError, withRetries } from '../../db/sql';
import type { IdentityType } from '../../graphql/enums';
import { IngestKind } from '../../graphql/enums';
import { identifierKey, IdentifierError, normaliseIdentifier, type Identifier } from './identifiers';
import { linkIdentities, type KnownCustomer, type LinkResult } from './identity-linker';
import { isBlocked, type IdentityRule } from './identity-rules';
import { loadRules } from './identity-rule.service';
import type { IngestEventInput, IngestItemError, IngestResult } from './ingest.input';
import { customerStateSteps, foldItem, foldAbsorbed, stateOf, type CustomerRow, type CustomerState } from './customer-state';
import { mergeStep } from './merge.apply';
import type { ValidItem } from './ingest.types';
import { spendWindowStart } from '../lifecycle/lifecycle-rules';
import { settle, transitionsCopy, type Transition } from '../lifecycle/lifecycle.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings';
import { dynamicSegmentsStep, membershipSteps, type MembershipChanges } from '../segment/segment.service';
import { auditStep, type AuditRecord } from '../workspace/audit.service';
import { IngestionErrors } from './customer.errors';

export const MAX_BATCH = 1000;

/** Who ingests, where, and when. */
export interface IngestScope {
  workspaceId: string;
  settings: WorkspaceSettings;
  now: Date;
  actorKeyId: string | null;
}

/**
 * Applies a batch of IDENTIFY/TRACK items (the design's Ingestion flow) in one transaction, with
 * a bounded number of statements whatever the batch size. Invalid items are reported, valid ones
 * applied; resent messageIds change nothing.
 */
/** What a committed batch leaves to publish, beside the GraphQL result. */
export interface IngestOutcome extends IngestResult {
  transitions: Transition[];
  segmentChanges: MembershipChanges[];
  /** The audit entries the batch wrote (its merges and refused links), for {@link publishAudits} once committed. */
  auditEntryIds: string[];
}

export async function ingest(em: EntityManager, scope: IngestScope, inputs: IngestEventInput[]): Promise<IngestOutcome> {
  const { items, errors, rules } = await prepareItems(em, scope, inputs);
  const applied = items.length ? await withRetries(em, (tx) => applyItems(tx, scope, items, rules)) : emptyApplied();
  return withItemErrors(applied, errors);
}

/**
 * The same as {@link ingest}, inside the caller's transaction (which owns retries): for writes that
 * must resolve a customer exactly as ingestion does and commit with it, such as opening a conversation.
 */
export async function ingestWithin(tx: EntityManager, scope: IngestScope, inputs: IngestEventInput[]): Promise<IngestOutcome> {
  const { items, errors, rules } = await prepareItems(tx, scope, inputs);
  const applied = items.length ? await applyItems(tx, scope, items, rules) : emptyApplied();
  return withItemErrors(applied, errors);
}

/** The errors found in validation beside those found while applying, by index. */
const withItemErrors = <T extends { errors: IngestItemError[] }>(applied: T, errors: IngestItemError[]): T => ({
  ...applied,
  errors: [...errors, ...applied.errors].sort((a, b) => a.index - b.index),
});

/** Validates a batch, without writing: the items to apply and the errors of the others. */
async function prepareItems(em: EntityManager, scope: IngestScope, inputs: IngestEventInput[]) {
  const { settings, now } = scope;
  if (inputs.length > MAX_BATCH) throw IngestionErrors.batchTooLarge(MAX_BATCH, inputs.length);
  const rules = await loadRules(em);
  const errors: IngestItemError[] = [];
  const valid: ValidItem[] = [];
  inputs.forEach((input, index) => {
    try {
      valid.push(validate(input, index, settings.defaultPhoneRegion, rules, now));
    } catch (error) {
      if (!(error instanceof ItemError || error instanceof IdentifierError)) throw error;
      errors.push({ index, messageId: input.messageId ?? null, code: error.code, message: error.message });
    }
  });
  return { items: valid, errors, rules };
}

class ItemError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function validate(input: IngestEventInput, index: number, region: string, rules: Map<IdentityType, IdentityRule>, now: Date): ValidItem {
  const messageId = input.messageId?.trim();
  if (!messageId || messageId.length > 200) throw new ItemError('INVALID_MESSAGE_ID', 'messageId must be 1 to 200 characters');
  if (input.traits != null && !isPlainObject(input.traits)) throw new ItemError('INVALID_TRAITS', 'traits must be a JSON object');
  if (input.properties != null && !isPlainObject(input.properties)) throw new ItemError('INVALID_PROPERTIES', 'properties must be a JSON object');
  if (input.kind === IngestKind.TRACK && !input.event?.trim()) throw new ItemError('MISSING_EVENT', 'a TRACK item needs an event name');
  if (input.revenue != null && (!Number.isFinite(input.revenue) || Math.abs(input.revenue) > 1e12))
    throw new ItemError('INVALID_REVENUE', 'revenue must be a finite amount');
  const occurredAt = input.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) throw new ItemError('INVALID_TIME', 'occurredAt is not a time');
  const identifiers: Identifier[] = [];
  for (const raw of input.identifiers) {
    const rule = rules.get(raw.type)!;
    const trimmed = raw.value.trim();
    if (isBlocked(rule, trimmed)) continue;
    const identifier = normaliseIdentifier(raw, region);
    if (identifier.value !== trimmed && isBlocked(rule, identifier.value)) continue;
    if (!identifiers.some((known) => known.type === identifier.type && known.value === identifier.value)) identifiers.push(identifier);
  }
  if (identifiers.length === 0) throw new ItemError('NO_IDENTIFIERS', 'the item has no usable identifier (empty, junk or blocked values only)');
  return {
    index,
    messageId,
    kind: input.kind,
    identifiers,
    traits: (input.traits as Record<string, unknown>) ?? {},
    event: input.kind === IngestKind.TRACK ? input.event!.trim() : 'identify',
    properties: (input.properties as Record<string, unknown>) ?? {},
    revenue: input.revenue ?? null,
    channel: input.channel ?? null,
    occurredAt,
    occurredAtText: occurredAt.toISOString(),
    source: input.source ?? null,
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The distinct identifiers of some items. */
function identifiersOf(items: ValidItem[]): Identifier[] {
  const distinct = new Map<string, Identifier>();
  for (const item of items) for (const identifier of item.identifiers) distinct.set(identifierKey(identifier), identifier);
  return [...distinct.values()];
}

const emptyApplied = () => ({
  errors: [] as IngestItemError[],
  accepted: 0,
  duplicates: 0,
  customersCreated: 0,
  merges: 0,
  unlinked: [],
  customerOf: new Map<number, string>(),
  transitions: [] as Transition[],
  segmentChanges: [] as MembershipChanges[],
  auditEntryIds: [] as string[],
});

async function applyItems(
  tx: EntityManager,
  { workspaceId, settings, now, actorKeyId }: IngestScope,
  all: ValidItem[],
  rules: Map<IdentityType, IdentityRule>,
) {
  // While the identifiers are locked, two round trips and the commit, whatever the batch: the reads
  // behind the locks, then every write. Each read probes an index once per key, in a lateral subquery
  // that LIMIT or OFFSET 0 keeps the planner from flattening, and every statement is planned for any
  // workspace (see planForAnyWorkspace): a workspace that grows fast outruns its statistics, and with
  // them the planner would rather scan the whole workspace than probe. The caller's own statements
  // after these (ingestWithin's) are planned as before.
  const limitedTypes = [...rules.values()].filter((rule) => rule.maxPerCustomer !== null).map((rule) => rule.type);
  const spendSince = spendWindowStart(now);
  const keys = identifiersOf(all);
  const [, [screened], [read], segments] = await pipeline(tx, [
    planForAnyWorkspace(),
    screenAndLock(workspaceId, keys, all),
    readOwners(workspaceId, keys, limitedTypes, spendSince),
    dynamicSegmentsStep(workspaceId),
  ]);

  const errors: IngestItemError[] = [];
  const suppressed = new Set<string>(screened.suppressed);
  const seenIds = new Set<string>(screened.seen);
  const items: ValidItem[] = [];
  for (const item of all) {
    if (item.identifiers.some((identifier) => suppressed.has(identifierKey(identifier)))) {
      errors.push({ index: item.index, messageId: item.messageId, code: 'SUPPRESSED', message: 'an identifier of this item belongs to an erased customer' });
      continue;
    }
    if (seenIds.has(item.messageId)) continue;
    seenIds.add(item.messageId);
    items.push(item);
  }
  const duplicates = all.length - items.length - errors.length;
  if (items.length === 0) {
    await pipeline(tx, [restorePlanMode()]);
    return { ...emptyApplied(), errors, duplicates };
  }

  // the owners were read for every item; refused and resent items leave theirs untouched
  const applying = new Set(identifiersOf(items).map(identifierKey));
  const owned = (read.owned as OwnedRow[]).filter((row) => applying.has(identifierKey(row)));
  const owners = new Map(owned.map((row) => [identifierKey(row), row.customer_id]));
  const customerIds = new Set(owned.map((row) => row.customer_id));
  const rows = (read.customers as CustomerRow[]).filter((row) => customerIds.has(row.id));
  if (rows.some((row) => row.merged_into_id || row.erased_at) || rows.length !== customerIds.size) throw new StaleReadError();
  const spend = new Map((read.spend as { id: string; spend: string | number }[]).map((row) => [row.id, row.spend]));

  const known = new Map<string, KnownCustomer>(rows.map((row) => [row.id, { id: row.id, createdAt: new Date(row.created_at), limitedValues: new Map() }]));
  for (const row of read.limited as { customer_id: string; type: IdentityType; value: string }[]) {
    const values = known.get(row.customer_id)?.limitedValues;
    values?.set(row.type, new Set([...(values.get(row.type) ?? []), row.value]));
  }

  const link = linkIdentities(items, owners, known, rules, uuidv7);
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
  for (const item of items) foldItem(states.get(link.customerOf.get(item.index)!)!, linkedOnly(item), { stages: settings, spendSince });
  for (const { absorbedId } of link.absorbed) states.delete(absorbedId);
  const transitions = settle(states.values(), settings, now);

  const itemAt = new Map(items.map((item) => [item.index, item]));
  const membership = membershipSteps(workspaceId, segments, [...states.keys()], now);
  const merged = link.absorbed.length ? mergeStep(workspaceId, link.absorbed, rows, now) : null;
  const audit = auditStep(workspaceId, actorKeyId, [...mergeAudits(link, merged?.ids ?? []), ...refusedLinkAudits(link)], now);
  const writes: Step[] = [
    ...customerStateSteps(workspaceId, states, new Set(link.created), now),
    transitionsCopy(workspaceId, transitions),
    ...(merged ? [merged.step] : []),
    // the ids come from here, not from a CTE: the planner would expect a row per identifier looked up
    // (most are new) and hash-join the whole table
    ...(owned.length
      ? [
          {
            text: `update identity i set last_seen_at = greatest(i.last_seen_at, ?) from unnest(?::uuid[]) k(id) where i.id = k.id and i.workspace_id = ?`,
            params: [now, owned.map((row) => row.id), workspaceId],
          },
        ]
      : []),
    {
      table: 'identity',
      columns: ['id', 'workspace_id', 'customer_id', 'type', 'value', 'source', 'verified', 'first_seen_at', 'last_seen_at'],
      rows: [...link.newIdentities.values()].map(({ identifier, customerId, index }) => {
        const { source, occurredAtText } = itemAt.get(index)!;
        return [uuidv7(), workspaceId, customerId, identifier.type, identifier.value, source, identifier.verified ?? false, occurredAtText, occurredAtText];
      }),
    },
    {
      table: 'event',
      columns: ['id', 'workspace_id', 'customer_id', 'message_id', 'type', 'properties', 'revenue', 'channel', 'occurred_at', 'received_at'],
      rows: items.map((item) => [
        uuidv7(),
        workspaceId,
        link.customerOf.get(item.index),
        item.messageId,
        item.event,
        item.properties,
        item.revenue,
        item.channel,
        item.occurredAtText,
        now,
      ]),
    },
    ...(audit.ids.length ? [audit.step] : []),
  ];
  const results = await pipeline(tx, [...writes, ...membership.steps, restorePlanMode()]);
  return {
    errors,
    accepted: items.length,
    duplicates,
    customersCreated: link.created.length,
    merges: link.absorbed.length,
    unlinked: link.unlinked.map((u) => ({ index: u.index, type: u.identifier.type, value: u.identifier.value, reason: u.reason })),
    customerOf: link.customerOf,
    transitions,
    segmentChanges: membership.changes(results.slice(writes.length, writes.length + membership.steps.length)),
    auditEntryIds: audit.ids,
  };
}

interface OwnedRow {
  id: string;
  type: string;
  value: string;
  customer_id: string;
}

/**
 * The audit entries of a batch's automatic merges, one per absorbed customer, on the survivor. The
 * audit log is read by roles that see no personal data: ids and identifier types, never values.
 */
function mergeAudits(link: LinkResult, mergeIds: string[]): AuditRecord[] {
  return link.absorbed.map(({ absorbedId, survivorId, types }, i) => ({
    action: 'customer.merged',
    subjectType: 'Customer',
    subjectId: survivorId,
    details: { absorbedId, mergeId: mergeIds[i], automatic: true, identifierTypes: types },
  }));
}

/** The audit entries of identifiers an identity rule kept from linking, on the item's customer: the type and why, not the value. */
function refusedLinkAudits(link: LinkResult): AuditRecord[] {
  return link.unlinked.map((u) => ({
    action: 'customer.merge_refused',
    subjectType: 'Customer',
    subjectId: link.customerOf.get(u.index)!,
    details: { type: u.identifier.type, reason: u.reason },
  }));
}

/**
 * Before anything is written: the identifier keys of erased customers (hashed as erase stores them),
 * the messageIds already applied, and then the identifier locks, taken in sorted order so that
 * racing batches resolve one after the other. The first two are read before the locks, which a
 * racing batch may hold: a messageId it applies as well is refused by the unique index, and the
 * retry finds it. One row: `suppressed` keys and `seen` messageIds.
 */
function screenAndLock(workspaceId: string, keys: Identifier[], items: ValidItem[]): Statement {
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
function readOwners(workspaceId: string, keys: Identifier[], limitedTypes: IdentityType[], spendSince: Date): Statement {
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
         where workspace_id = ? and customer_id = c.id and occurred_at >= ? and starts_with(type, 'order_completed') and revenue is not null) e
       where c.annual_spend > 0
     )
     select (select coalesce(json_agg(owned), '[]') from owned) owned, (select coalesce(json_agg(customers), '[]') from customers) customers,
       (select coalesce(json_agg(limited), '[]') from limited) limited, (select coalesce(json_agg(spent), '[]') from spent) spend`,
    params: [keys.map((k) => k.type), keys.map((k) => k.value), workspaceId, workspaceId, workspaceId, limitedTypes, workspaceId, spendSince],
  };
}
