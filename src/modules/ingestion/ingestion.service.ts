import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { pipeline, type Row, type Statement, type Step } from '../../db/pipeline';
import { planForAnyWorkspace, restorePlanMode, StaleReadError, withRetries } from '../../db/sql';
import { PlaybookTrigger, WebhookTopic, type IdentityType } from '../../graphql/enums';
import { isLiveRow } from '../customer/customer.sql';
import { identifierKey, type Identifier } from '../customer/identifier.rules';
import type { IdentityRule } from '../customer/identity-rule.types';
import { mergeStep } from '../customer/merge.sql';
import { ownerSteps } from '../care/care.sql';
import { atRiskStatements, segmentEntries, triggerStatement, type TriggerSubject } from '../care/care-task.sql';
import { lifecycleEvents, membershipEvents, webhookEventsStatement } from '../webhook/webhook.sql';
import { spendWindowStart } from '../lifecycle/lifecycle.rules';
import { lifecycleStep, publishTransitions, type Transition } from '../lifecycle/lifecycle.service';
import { membershipStep, publishMembership } from '../segment/segment.service';
import { auditStep, publishAudits, type AuditRecord } from '../workspace/audit.service';
import type { EventBus } from '../../events/bus';
import { foldBatch } from './customer-state.rules';
import { linkIdentities } from './identity-linker.rules';
import type { IngestEventInput } from './ingestion.input';
import type { IngestItemError } from './ingestion.types';
import { customerStateSteps, eventsCopy, identitiesCopy, readOwners, screenAndLock, touchIdentities, type OwnedRow } from './ingestion.sql';
import type { CustomerRow, CustomerState, IngestOutcome, IngestScope, KnownCustomer, LinkResult, ValidItem } from './ingestion.types';
import { validateItems } from './item-validation.service';

/**
 * Applies a batch of IDENTIFY/TRACK items (the design's Ingestion flow) in one transaction, with
 * a bounded number of statements whatever the batch size. Invalid items are reported, valid ones
 * applied; resent messageIds change nothing.
 */
export async function ingest(em: EntityManager, scope: IngestScope, inputs: IngestEventInput[]): Promise<IngestOutcome> {
  const { items, errors, rules } = await validateItems(em, scope, inputs);
  const applied = items.length ? await withRetries(em, (tx) => applyItems(tx, scope, items, rules)) : emptyApplied();
  return withItemErrors(applied, errors);
}

/** What a committed batch leaves to publish. */
export type Published = Pick<IngestOutcome, 'transitions' | 'segmentChanges' | 'auditEntryIds'>;

/** Tells subscribers what a committed batch changed: stages, segment membership, audit entries. */
export async function publishIngested(bus: EventBus, workspaceId: string, outcome: Published): Promise<void> {
  await publishTransitions(bus, workspaceId, outcome.transitions);
  await publishMembership(bus, workspaceId, outcome.segmentChanges);
  await publishAudits(bus, workspaceId, outcome.auditEntryIds);
}

/**
 * The same as {@link ingest}, inside the caller's transaction (which owns retries): for writes that
 * must resolve a customer exactly as ingestion does and commit with it, such as opening a conversation.
 */
export async function ingestWithin(tx: EntityManager, scope: IngestScope, inputs: IngestEventInput[]): Promise<IngestOutcome> {
  const { items, errors, rules } = await validateItems(tx, scope, inputs);
  const applied = items.length ? await applyItems(tx, scope, items, rules) : emptyApplied();
  return withItemErrors(applied, errors);
}

/**
 * The ingestion flow for valid items, in order: screen (erased identifiers, resent messageIds) and
 * lock -> read the owners -> link identities -> fold state -> lifecycle -> then one pipeline of
 * writes: customer rows (with their owners and next contact due), care tasks of first purchases and
 * of customers become AT_RISK, lifecycle history, merges, identities, events, audit, segment
 * membership; then, only if customers entered segments, the tasks of SEGMENT_ENTERED playbooks.
 *
 * While the identifiers are locked, two round trips and the commit, whatever the batch: the reads
 * behind the locks, then every write. Each read probes an index once per key, in a lateral subquery
 * that LIMIT or OFFSET 0 keeps the planner from flattening, and every statement is planned for any
 * workspace (see planForAnyWorkspace): a workspace that grows fast outruns its statistics, and with
 * them the planner would rather scan the whole workspace than probe. The caller's own statements
 * after these (ingestWithin's) are planned as before.
 */
async function applyItems(tx: EntityManager, scope: IngestScope, all: ValidItem[], rules: Map<IdentityType, IdentityRule>): Promise<IngestOutcome> {
  const { workspaceId, settings, now, actorKeyId } = scope;
  const spendSince = spendWindowStart(now);
  const membership = membershipStep(workspaceId);
  const keys = identifiersOf(all);
  const [, [screened], [read], segments] = await pipeline(tx, [
    planForAnyWorkspace(),
    screenAndLock(workspaceId, keys, all),
    readOwners(workspaceId, keys, limitedTypes(rules), spendSince),
    membership.read,
  ]);
  const { items, errors, duplicates } = screen(all, screened);
  if (items.length === 0) {
    await pipeline(tx, [restorePlanMode()]);
    return { ...emptyApplied(), errors, duplicates };
  }

  const known = knownCustomers(items, read);
  const link = linkIdentities(items, known.owners, known.customers, rules, uuidv7);
  const states = foldBatch(known.rows, known.spend, link, items, { stages: settings, spendSince });
  const lifecycle = lifecycleStep(workspaceId, states.values(), settings, now);
  const merges = link.absorbed.length ? mergeStep(workspaceId, link.absorbed, known.rows, now) : null;
  const audit = auditStep(workspaceId, actorKeyId, [...mergeAudits(link, merges?.ids ?? []), ...refusedLinkAudits(link)], now);
  const segment = membership.writes(segments, [...states.keys()], now);
  const writes: Step[] = [
    ...customerStateSteps(workspaceId, states, new Set(link.created), settings.contactCadences, now),
    ...ownerSteps(workspaceId, states.values()),
    ...careSteps(workspaceId, firstPurchases(states, known.rows, settings.newCustomerDays, now), lifecycle.transitions, now),
    ...present(webhookEventsStatement(workspaceId, WebhookTopic.LIFECYCLE_CHANGED, lifecycleEvents(lifecycle.transitions), now)),
    ...present(webhookEventsStatement(workspaceId, WebhookTopic.CUSTOMER_MERGED, mergeEvents(link, merges?.ids ?? []), now)),
    lifecycle.step,
    ...(merges ? [merges.step] : []),
    ...touchIdentities(workspaceId, known.owned, now),
    identitiesCopy(workspaceId, link, new Map(items.map((item) => [item.index, item]))),
    eventsCopy(workspaceId, items, link.customerOf, now),
    ...(audit.ids.length ? [audit.step] : []),
  ];
  const results = await pipeline(tx, [...writes, ...segment.steps, restorePlanMode()]);
  const segmentChanges = segment.changes(results.slice(writes.length, writes.length + segment.steps.length));
  const afterMembership = present(
    triggerStatement(workspaceId, PlaybookTrigger.SEGMENT_ENTERED, segmentEntries(segmentChanges, now), now),
    webhookEventsStatement(workspaceId, WebhookTopic.SEGMENT_MEMBERSHIP, membershipEvents(segmentChanges), now),
  );
  if (afterMembership.length) await pipeline(tx, afterMembership);
  return {
    errors,
    accepted: items.length,
    duplicates,
    customersCreated: link.created.length,
    merges: link.absorbed.length,
    unlinked: link.unlinked.map((u) => ({ index: u.index, type: u.identifier.type, value: u.identifier.value, reason: u.reason })),
    customerOf: link.customerOf,
    transitions: lifecycle.transitions,
    segmentChanges,
    auditEntryIds: audit.ids,
  };
}

/**
 * The customers whose first purchase is in this batch, as FIRST_PURCHASE subjects, timed at the
 * purchase; a purchase older than the NEW period (an import of history) starts no new-customer care.
 */
function firstPurchases(states: Map<string, CustomerState>, before: CustomerRow[], newCustomerDays: number, now: Date): TriggerSubject[] {
  const bought = new Set(before.filter((row) => row.first_purchase_at).map((row) => row.id));
  const since = now.getTime() - newCustomerDays * 86_400_000;
  return [...states.values()]
    .filter((s) => s.firstPurchaseAt && !bought.has(s.id) && s.firstPurchaseAt.getTime() >= since)
    .map((s) => ({ customerId: s.id, subjectId: null, at: s.firstPurchaseAt! }));
}

/** A batch's automatic merges as CUSTOMER_MERGED events. */
const mergeEvents = (link: LinkResult, mergeIds: string[]) =>
  link.absorbed.map(({ absorbedId, survivorId }, i) => ({ survivorId, absorbedId, mergeId: mergeIds[i], automatic: true }));

/** The statements given, but none for nothing to write. */
const present = (...statements: (Statement | null)[]): Statement[] => statements.filter((s): s is Statement => s !== null);

/** The care tasks of a batch: new-customer care for first purchases, win-back for those who became AT_RISK. */
const careSteps = (workspaceId: string, firstPurchasers: TriggerSubject[], transitions: Transition[], now: Date): Step[] => [
  ...present(triggerStatement(workspaceId, PlaybookTrigger.FIRST_PURCHASE, firstPurchasers, now)),
  ...atRiskStatements(workspaceId, transitions, now),
];

/** The errors found in validation beside those found while applying, by index. */
const withItemErrors = <T extends { errors: IngestItemError[] }>(applied: T, errors: IngestItemError[]): T => ({
  ...applied,
  errors: [...errors, ...applied.errors].sort((a, b) => a.index - b.index),
});

const emptyApplied = (): IngestOutcome => ({
  errors: [],
  accepted: 0,
  duplicates: 0,
  customersCreated: 0,
  merges: 0,
  unlinked: [],
  customerOf: new Map(),
  transitions: [],
  segmentChanges: [],
  auditEntryIds: [],
});

/** The distinct identifiers of some items. */
function identifiersOf(items: ValidItem[]): Identifier[] {
  const distinct = new Map<string, Identifier>();
  for (const item of items) for (const identifier of item.identifiers) distinct.set(identifierKey(identifier), identifier);
  return [...distinct.values()];
}

const limitedTypes = (rules: Map<IdentityType, IdentityRule>): IdentityType[] =>
  [...rules.values()].filter((rule) => rule.maxPerCustomer !== null).map((rule) => rule.type);

/** The items to apply: those with an identifier of an erased customer are refused, resent messageIds (and repeats within the batch) skipped. */
function screen(all: ValidItem[], screened: Row) {
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
  return { items, errors, duplicates: all.length - items.length - errors.length };
}

/**
 * What {@link readOwners} found about the customers the items to apply name: the identities they own,
 * their rows and spend, and the customers as the linker sees them. The owners were read for every
 * item; refused and resent items leave theirs untouched.
 */
function knownCustomers(items: ValidItem[], read: Row) {
  const applying = new Set(identifiersOf(items).map(identifierKey));
  const owned = (read.owned as OwnedRow[]).filter((row) => applying.has(identifierKey(row)));
  const owners = new Map(owned.map((row) => [identifierKey(row), row.customer_id]));
  const customerIds = new Set(owned.map((row) => row.customer_id));
  const rows = (read.customers as CustomerRow[]).filter((row) => customerIds.has(row.id));
  if (!rows.every(isLiveRow) || rows.length !== customerIds.size) throw new StaleReadError();
  const spend = new Map((read.spend as { id: string; spend: string | number }[]).map((row) => [row.id, row.spend]));
  const customers = new Map<string, KnownCustomer>(rows.map((row) => [row.id, { id: row.id, createdAt: new Date(row.created_at), limitedValues: new Map() }]));
  for (const row of read.limited as { customer_id: string; type: IdentityType; value: string }[]) {
    const values = customers.get(row.customer_id)?.limitedValues;
    values?.set(row.type, new Set([...(values.get(row.type) ?? []), row.value]));
  }
  return { owned, owners, rows, spend, customers };
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
