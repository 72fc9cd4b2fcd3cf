import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { readByKey, sql, withRetries } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { WebhookTopic, type IdentityType } from '../../graphql/enums';
import { pipeline } from '../../db/pipeline';
import { webhookEventsStatement } from '../webhook/webhook.sql';
import { recordAudit } from '../workspace/audit.service';
import type { CustomerSnapshot } from './customer-merge.entity';
import { displayNameOf, foldAbsorbed, stateOf } from '../ingestion/customer-state.rules';
import { applyCustomerState } from '../ingestion/ingestion.sql';
import type { CustomerRow } from '../ingestion/ingestion.types';
import { loadRules } from './identity-rule.service';
import { applyMerges } from './merge.sql';
import { purchaseSql } from '../lifecycle/lifecycle.rules';
import { reevaluate, type Transition } from '../lifecycle/lifecycle.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { CustomerErrors } from './customer.errors';

/** The workspace's rules and the time, for recomputing lifecycle after a merge or unmerge. */
export interface MergeScope {
  settings: WorkspaceSettings;
  now: Date;
}

export interface MergePlan {
  survivor: CustomerRow;
  absorbed: CustomerRow;
  /** Trait keys whose values differ, with the value that would win. */
  conflicts: Record<string, { survivor: unknown; absorbed: unknown; winner: unknown }>;
  /** Identity rules the merge would break. */
  violations: string[];
}

async function liveCustomers(tx: EntityManager, workspaceId: string, ids: string[], lock: boolean): Promise<CustomerRow[]> {
  for (const id of ids) if (!isUuid(id)) throw CustomerErrors.notFound(id);
  const rows = await readByKey<CustomerRow>(
    tx,
    `select * from customer where workspace_id = ? and id = any(?::uuid[]) order by id ${lock ? 'for update' : ''}`,
    [workspaceId, ids],
  );
  return ids.map((id) => {
    const row = rows.find((candidate) => candidate.id === id);
    if (!row || row.erased_at) throw CustomerErrors.notFound(id);
    if (row.merged_into_id) throw CustomerErrors.mergedInto(id, row.merged_into_id);
    return row;
  });
}

/** What merging `absorbedId` into `survivorId` would do: trait conflicts and broken identity rules. */
export async function planMerge(em: EntityManager, workspaceId: string, survivorId: string, absorbedId: string, lock = false): Promise<MergePlan> {
  if (survivorId === absorbedId) throw CustomerErrors.mergeWithItself();
  const [survivor, absorbed] = await liveCustomers(em, workspaceId, [survivorId, absorbedId], lock);
  const conflicts: MergePlan['conflicts'] = {};
  const merged = stateOf(survivor);
  foldAbsorbed(merged, stateOf(absorbed));
  for (const key of Object.keys(absorbed.traits)) {
    if (key in survivor.traits && JSON.stringify(survivor.traits[key]) !== JSON.stringify(absorbed.traits[key])) {
      conflicts[key] = { survivor: survivor.traits[key], absorbed: absorbed.traits[key], winner: merged.traits[key] };
    }
  }
  const rules = await loadRules(em);
  const limitedTypes = [...rules.values()].filter((rule) => rule.maxPerCustomer !== null);
  const counts = await readByKey<{ type: IdentityType; n: number }>(
    em,
    `select type, count(distinct value)::int n from identity where workspace_id = ? and customer_id = any(?::uuid[]) and type = any(?) group by type`,
    [workspaceId, [survivorId, absorbedId], limitedTypes.map((rule) => rule.type)],
  );
  const violations = counts
    .filter((row) => row.n > rules.get(row.type)!.maxPerCustomer!)
    .map((row) => `${row.type}: the merged customer would hold ${row.n} values, the rule allows ${rules.get(row.type)!.maxPerCustomer}`);
  return { survivor, absorbed, conflicts, violations };
}

/** Merges by hand (ADMIN): the given survivor keeps its id; refused when an identity rule would break. */
export async function mergeCustomers(
  em: EntityManager,
  viewer: Viewer,
  { settings, now }: MergeScope,
  survivorId: string,
  absorbedId: string,
): Promise<{ survivorId: string; transitions: Transition[] }> {
  const { violations } = await planMerge(em, viewer.workspaceId, survivorId, absorbedId);
  if (violations.length) {
    await em.fork().transactional(async (tx) => {
      recordAudit(tx, viewer.workspaceId, viewer.keyId, {
        action: 'customer.merge_refused',
        subjectType: 'Customer',
        subjectId: survivorId,
        details: { absorbedId, violations },
      });
    });
    throw CustomerErrors.mergeBreaksIdentityRules(violations);
  }
  return withRetries(em, async (tx) => {
    const plan = await planMerge(tx, viewer.workspaceId, survivorId, absorbedId, true);
    if (plan.violations.length) throw CustomerErrors.mergeBreaksIdentityRules(plan.violations);
    const state = stateOf(plan.survivor);
    foldAbsorbed(state, stateOf(plan.absorbed));
    await applyCustomerState(tx, viewer.workspaceId, new Map([[survivorId, state]]), new Set(), settings.contactCadences, now);
    const [mergeId] = await applyMerges(tx, viewer.workspaceId, [{ survivorId, absorbedId, reason: 'manual merge' }], [plan.survivor, plan.absorbed], now);
    await pipeline(tx, [
      webhookEventsStatement(viewer.workspaceId, WebhookTopic.CUSTOMER_MERGED, [{ survivorId, absorbedId, mergeId, automatic: false }], now)!,
    ]);
    const transitions = await reevaluate(tx, viewer.workspaceId, settings, now, [survivorId]);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'customer.merged',
      subjectType: 'Customer',
      subjectId: survivorId,
      details: { absorbedId, mergeId },
    });
    await tx.flush();
    return { survivorId, transitions };
  });
}

interface MergeRow {
  id: string;
  survivor_id: string;
  absorbed_id: string;
  survivor_before: CustomerSnapshot;
  absorbed_before: CustomerSnapshot & { tombstones?: string[] };
  moved_identity_ids: string[];
  moved_event_ids: string[];
  at: Date;
  unmerged_at: Date | null;
}

/**
 * Undoes a merge: the absorbed customer comes back as it was, with the identities and events it
 * brought; the survivor keeps what it gained since (later events, traits observed after the merge)
 * and its spend is recounted from the events it still owns. Returns [survivor, absorbed] ids.
 */
export async function unmergeCustomer(
  em: EntityManager,
  viewer: Viewer,
  { settings, now }: MergeScope,
  mergeId: string,
): Promise<{ ids: [string, string]; transitions: Transition[] }> {
  if (!isUuid(mergeId)) throw CustomerErrors.mergeNotFound(mergeId);
  return withRetries(em, async (tx) => {
    const [merge] = await readByKey<MergeRow>(tx, `select * from customer_merge where workspace_id = ? and id = ? for update`, [viewer.workspaceId, mergeId]);
    if (!merge) throw CustomerErrors.mergeNotFound(mergeId);
    if (merge.unmerged_at) throw CustomerErrors.mergeAlreadyUndone(merge.unmerged_at);
    const rows = await readByKey<CustomerRow>(tx, `select * from customer where workspace_id = ? and id = any(?::uuid[]) order by id for update`, [
      viewer.workspaceId,
      [merge.survivor_id, merge.absorbed_id],
    ]);
    const survivor = rows.find((row) => row.id === merge.survivor_id)!;
    const absorbed = rows.find((row) => row.id === merge.absorbed_id)!;
    if (survivor.merged_into_id) throw CustomerErrors.unmergeAfterLaterMerge(survivor.merged_into_id);
    if (survivor.erased_at || absorbed.erased_at) throw CustomerErrors.unmergeErased();

    const back = [merge.absorbed_id, merge.survivor_id, viewer.workspaceId];
    await sql(tx, `update identity set customer_id = ? where customer_id = ? and workspace_id = ? and id = any(?::uuid[])`, [
      ...back,
      merge.moved_identity_ids,
    ]);
    await sql(tx, `update event set customer_id = ? where customer_id = ? and workspace_id = ? and id = any(?::uuid[])`, [...back, merge.moved_event_ids]);
    await sql(tx, `update customer set merged_into_id = ? where merged_into_id = ? and workspace_id = ? and id = any(?::uuid[])`, [
      ...back,
      merge.absorbed_before.tombstones ?? [],
    ]);

    const restoredAbsorbed = { ...stateOf(absorbed), ...stateFromSnapshot(absorbed.id, merge.absorbed_before) };
    const current = stateOf(survivor);
    const before = merge.survivor_before;
    const mergedAt = new Date(merge.at).toISOString();
    const traits: Record<string, unknown> = {};
    const traitTimes: Record<string, string> = {};
    for (const key of new Set([...Object.keys(current.traits), ...Object.keys(before.traits)])) {
      const observedAfter = (current.traitTimes[key] ?? '') > mergedAt;
      if (observedAfter && key in current.traits) [traits[key], traitTimes[key]] = [current.traits[key], current.traitTimes[key]];
      else if (key in before.traits) [traits[key], traitTimes[key]] = [before.traits[key], before.traitTimes[key]];
    }
    const broughtTags = merge.absorbed_before.tags.filter((tag) => !before.tags.includes(tag));
    const restoredSurvivor = {
      ...current,
      traits,
      traitTimes,
      tags: current.tags.filter((tag) => !broughtTags.includes(tag)),
      displayName: before.displayName,
      contact: null,
    };
    const [totals] = await readByKey<{ spend: string | null; orders: number; last_purchase: Date | null; last_event: Date | null }>(
      tx,
      `select sum(revenue) filter (where p) spend, count(*) filter (where p)::int orders, max(occurred_at) filter (where p) last_purchase, max(occurred_at) last_event
       from (select revenue, occurred_at, ${purchaseSql} p from event where workspace_id = ? and customer_id = ?) e`,
      [viewer.workspaceId, survivor.id],
    );
    restoredSurvivor.totalSpend = Number(totals.spend ?? 0);
    restoredSurvivor.orderCount = totals.orders;
    restoredSurvivor.lastPurchaseAt = totals.last_purchase ? new Date(totals.last_purchase) : null;
    restoredSurvivor.firstSeenAt = new Date(before.firstSeenAt);
    const lastEvent = totals.last_event ? new Date(totals.last_event) : null;
    restoredSurvivor.lastSeenAt = lastEvent && lastEvent > new Date(before.lastSeenAt) ? lastEvent : new Date(before.lastSeenAt);
    restoredSurvivor.displayName = displayNameOf({ ...restoredSurvivor, displayName: before.displayName });

    await applyCustomerState(
      tx,
      viewer.workspaceId,
      new Map([
        [survivor.id, restoredSurvivor],
        [absorbed.id, restoredAbsorbed],
      ]),
      new Set(),
      settings.contactCadences,
      now,
    );
    await sql(tx, `update customer set merged_into_id = null where id = ? and workspace_id = ?`, [absorbed.id, viewer.workspaceId]);
    await sql(tx, `update customer_merge set unmerged_at = ? where id = ?`, [now, merge.id]);
    const transitions = await reevaluate(tx, viewer.workspaceId, settings, now, [survivor.id, absorbed.id]);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'customer.unmerged',
      subjectType: 'Customer',
      subjectId: survivor.id,
      details: { mergeId, absorbedId: absorbed.id },
    });
    await tx.flush();
    return { ids: [survivor.id, absorbed.id] as [string, string], transitions };
  });
}

function stateFromSnapshot(id: string, snapshot: CustomerSnapshot) {
  return {
    id,
    displayName: snapshot.displayName,
    contact: null,
    traits: snapshot.traits,
    traitTimes: snapshot.traitTimes,
    tags: snapshot.tags,
    totalSpend: snapshot.totalSpend,
    orderCount: snapshot.orderCount,
    firstSeenAt: new Date(snapshot.firstSeenAt),
    lastSeenAt: new Date(snapshot.lastSeenAt),
    lastPurchaseAt: snapshot.lastPurchaseAt ? new Date(snapshot.lastPurchaseAt) : null,
  };
}
