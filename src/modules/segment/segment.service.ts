import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { pipeline, type Row, type Statement } from '../../db/pipeline';
import { raiseWorkMemory, sql, withWorkMemory } from '../../db/sql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { PlaybookTrigger, SegmentKind, WebhookTopic } from '../../graphql/enums';
import { membershipEvents, webhookEventsStatement } from '../webhook/webhook.sql';
import { recordAudit } from '../workspace/audit.service';
import { segmentEntries } from '../care/care-task.sql';
import { trigger } from '../care/care-task.service';
import { compileRule } from './segment.sql';
import { hasEvents, hasWindow, referencedSegments, ruleProblems } from './segment.rules';
import type { Rule } from './segment-rule.types';
import { Segment } from './segment.entity';
import { liveCustomerSql } from '../customer/customer.sql';
import { CustomerErrors } from '../customer/customer.errors';
import { SegmentErrors } from './segment.errors';

/**
 * Live customers of the workspace that a rule selects: the predicate, ready to follow `from customer c where`.
 * `few` when only a handful of known customers will be tested (sub-queries probe per customer).
 */
export function selection(workspaceId: string, rule: Rule, now: Date, few = false): { where: string; params: unknown[] } {
  const compiled = compileRule(rule, now, [], few ? { kind: 'CORRELATED' } : { kind: 'SET', workspaceId });
  return { where: `c.workspace_id = ? and ${liveCustomerSql('c')} and ${compiled.sql}`, params: [workspaceId, ...compiled.params] };
}

/** Validates a rule, including its references: segments of this workspace, and no cycle back to `selfId`. */
export async function checkRule(em: EntityManager, workspaceId: string, rule: Rule, selfId: string | null): Promise<void> {
  const [problem] = ruleProblems(rule);
  if (problem) throw SegmentErrors.ruleInvalid(problem.path, problem.message);
  const seen = new Set<string>();
  let frontier = referencedSegments(rule);
  while (frontier.length) {
    for (const id of frontier) {
      if (!isUuid(id)) throw SegmentErrors.ruleRefersToUnknown(id);
      if (id === selfId) throw SegmentErrors.ruleRefersToItself();
    }
    const fresh = frontier.filter((id) => !seen.has(id));
    fresh.forEach((id) => seen.add(id));
    if (!fresh.length) break;
    const rows = await sql<{ id: string; rule: Rule | null }>(em, `select id, rule from segment where workspace_id = ? and id = any(?::uuid[])`, [
      workspaceId,
      fresh,
    ]);
    const missing = fresh.find((id) => !rows.some((row) => row.id === id));
    if (missing) throw SegmentErrors.ruleRefersToUnknown(missing);
    frontier = rows.flatMap((row) => (row.rule ? referencedSegments(row.rule) : []));
  }
}

/**
 * Runs one whole-workspace evaluation. One over events hashes per-customer sets (event counts,
 * members of an or-branch) that spill to disk from a few hundred thousand customers at the default
 * work_mem, so it gets more.
 */
const evaluate = <T>(em: EntityManager, rule: Rule, text: string, params: unknown[]) =>
  hasEvents(rule) ? withWorkMemory(em, (tx) => sql<T>(tx, text, params)) : sql<T>(em, text, params);

export async function previewCount(
  em: EntityManager,
  workspaceId: string,
  rule: Rule,
  now: Date,
): Promise<{ count: number; rule: Rule; where: string; params: unknown[] }> {
  await checkRule(em, workspaceId, rule, null);
  const { where, params } = selection(workspaceId, rule, now);
  const [{ count }] = await evaluate<{ count: number }>(em, rule, `select count(*)::int as count from customer c where ${where}`, params);
  return { count, rule, where, params };
}

export async function sampleIds(em: EntityManager, rule: Rule, where: string, params: unknown[], limit: number): Promise<string[]> {
  const rows = await evaluate<{ id: string }>(em, rule, `select c.id from customer c where ${where} order by c.last_seen_at desc, c.id desc limit ?`, [
    ...params,
    limit,
  ]);
  return rows.map((row) => row.id);
}

export interface SegmentInput {
  name?: string | null;
  description?: string | null;
  kind?: SegmentKind;
  rule?: Rule | null;
}

const nameOf = (name: string) => {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw SegmentErrors.nameLength();
  return trimmed;
};

/** Membership recomputed as a set difference in SQL: who entered, who left, kept as history. */
export async function refreshIn(tx: EntityManager, segment: Segment, now: Date): Promise<{ entered: string[]; exited: string[] }> {
  const ws = segment.workspace.id;
  if (hasEvents(segment.rule!)) await raiseWorkMemory(tx);
  const diff = membershipDiff(ws, segment.id, selection(ws, segment.rule!, now), now, null);
  const rows = await sql<ChangeRow>(tx, diff.text, diff.params);
  segment.refreshedAt = now;
  segment.lastError = null;
  const changes = changesOf(rows);
  await trigger(tx, ws, PlaybookTrigger.SEGMENT_ENTERED, segmentEntries([{ segmentId: segment.id, ...changes }], now), now);
  await writeMembershipEvents(tx, ws, [{ segmentId: segment.id, ...changes }], now);
  return changes;
}

/** Membership changes for the webhooks subscribed to SEGMENT_MEMBERSHIP (the outbox), in the caller's transaction. */
async function writeMembershipEvents(tx: EntityManager, workspaceId: string, changes: MembershipChanges[], now: Date): Promise<void> {
  const statement = webhookEventsStatement(workspaceId, WebhookTopic.SEGMENT_MEMBERSHIP, membershipEvents(changes), now);
  if (statement) await pipeline(tx, [statement]);
}

type ChangeRow = { customer_id: string; change: 'ENTERED' | 'EXITED' };

const changesOf = (rows: ChangeRow[]): { entered: string[]; exited: string[] } => ({
  entered: rows.filter((r) => r.change === 'ENTERED').map((r) => r.customer_id),
  exited: rows.filter((r) => r.change === 'EXITED').map((r) => r.customer_id),
});

/**
 * Makes a segment's membership what a selection says, as one statement: members are added and
 * removed as a set difference and each change is logged; it returns the changes (customer_id,
 * change). Over the whole workspace, or only over `customerIds` when given.
 */
function membershipDiff(
  workspaceId: string,
  segmentId: string,
  { where, params }: { where: string; params: unknown[] },
  now: Date,
  customerIds: string[] | null,
): Statement {
  const only = customerIds ? [customerIds] : [];
  return {
    text: `with target as (select c.id from customer c where ${customerIds ? 'c.id = any(?::uuid[]) and ' : ''}${where}),
     entered as (
       insert into segment_member (segment_id, customer_id, workspace_id, since) select ?, t.id, ?, ? from target t
       on conflict do nothing returning customer_id),
     exited as (
       delete from segment_member m where m.workspace_id = ? and m.segment_id = ?${customerIds ? ' and m.customer_id = any(?::uuid[])' : ''}
         and not exists (select 1 from target t where t.id = m.customer_id) returning m.customer_id),
     changes as (select customer_id, 'ENTERED' as change from entered union all select customer_id, 'EXITED' from exited),
     logged as (insert into segment_change (id, workspace_id, segment_id, customer_id, change, at) select gen_random_uuid(), ?, ?, customer_id, change, ? from changes returning customer_id, change)
     select customer_id, change from logged`,
    params: [...only, ...params, segmentId, workspaceId, now, workspaceId, segmentId, ...only, workspaceId, segmentId, now],
  };
}

export async function publishChanges(bus: EventBus, workspaceId: string, segmentId: string, changes: { entered: string[]; exited: string[] }): Promise<void> {
  const all = [...changes.entered.map((id) => [id, 'ENTERED'] as [string, string]), ...changes.exited.map((id) => [id, 'EXITED'] as [string, string])];
  for (let i = 0; i < all.length; i += 100) await bus.publish('SEGMENT_MEMBERSHIP', { ws: workspaceId, segmentId, changes: all.slice(i, i + 100) });
}

export async function createSegment(
  em: EntityManager,
  viewer: Viewer,
  input: SegmentInput & { name: string; kind: SegmentKind },
  now: Date,
): Promise<{ segment: Segment; changes: { entered: string[]; exited: string[] } }> {
  const name = nameOf(input.name);
  if (input.kind === SegmentKind.DYNAMIC && !input.rule) throw SegmentErrors.dynamicNeedsRule();
  if (input.kind === SegmentKind.STATIC && input.rule) throw SegmentErrors.staticTakesNoRule();
  if (input.rule) await checkRule(em, viewer.workspaceId, input.rule, null);
  try {
    return await em.fork().transactional(async (tx) => {
      const segment = tx.create(Segment, {
        workspace: viewer.workspaceId,
        name,
        description: input.description?.trim() || null,
        kind: input.kind,
        rule: input.rule ?? null,
        windowed: input.rule ? hasWindow(input.rule) : false,
        createdAt: now,
        updatedAt: now,
      });
      tx.persist(segment);
      recordAudit(tx, viewer.workspaceId, viewer.keyId, {
        action: 'segment.created',
        subjectType: 'Segment',
        subjectId: segment.id,
        details: { name, kind: input.kind },
      });
      await tx.flush();
      const changes = segment.rule ? await refreshIn(tx, segment, now) : { entered: [], exited: [] };
      return { segment, changes };
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw SegmentErrors.nameTaken(name);
    throw error;
  }
}

export async function segmentFor(tx: EntityManager, id: string): Promise<Segment> {
  const segment = isUuid(id) ? await tx.findOne(Segment, { id }) : null;
  if (!segment) throw SegmentErrors.notFound(id);
  return segment;
}

export async function updateSegment(
  em: EntityManager,
  viewer: Viewer,
  id: string,
  input: SegmentInput,
  now: Date,
): Promise<{ segment: Segment; changes: { entered: string[]; exited: string[] } }> {
  return em.fork().transactional(async (tx) => {
    const segment = await segmentFor(tx, id);
    if (input.name != null) segment.name = nameOf(input.name);
    if (input.description !== undefined) segment.description = input.description?.trim() || null;
    if (input.rule) {
      if (segment.kind === SegmentKind.STATIC) throw SegmentErrors.staticHasNoRule();
      await checkRule(tx, viewer.workspaceId, input.rule, segment.id);
      segment.rule = input.rule;
      segment.windowed = hasWindow(input.rule);
    }
    segment.updatedAt = now;
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'segment.updated',
      subjectType: 'Segment',
      subjectId: segment.id,
      details: { fields: Object.keys(input) },
    });
    await tx.flush();
    const changes = input.rule ? await refreshIn(tx, segment, now) : { entered: [], exited: [] };
    return { segment, changes };
  });
}

export async function deleteSegment(em: EntityManager, viewer: Viewer, id: string): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const segment = await segmentFor(tx, id);
    const [user] = await sql<{ name: string }>(tx, `select name from segment where workspace_id = ? and id <> ? and rule::text like ?`, [
      viewer.workspaceId,
      segment.id,
      `%${segment.id}%`,
    ]);
    if (user) throw SegmentErrors.referencedBy(user.name, segment.id);
    for (const table of ['segment_member', 'segment_change'])
      await sql(tx, `delete from ${table} where workspace_id = ? and segment_id = ?`, [viewer.workspaceId, segment.id]);
    tx.remove(segment);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'segment.deleted',
      subjectType: 'Segment',
      subjectId: segment.id,
      details: { name: segment.name },
    });
  });
}

/** Adds or removes customers of a STATIC segment by hand, with history. */
export async function changeStatic(
  em: EntityManager,
  viewer: Viewer,
  id: string,
  customerIds: string[],
  add: boolean,
  now: Date,
): Promise<{ segment: Segment; changes: { entered: string[]; exited: string[] } }> {
  if (customerIds.length > 1000) throw SegmentErrors.tooManyCustomers();
  return em.fork().transactional(async (tx) => {
    const segment = await segmentFor(tx, id);
    if (segment.kind !== SegmentKind.STATIC) throw SegmentErrors.dynamicTakesNoCustomers();
    const ws = viewer.workspaceId;
    const ids = customerIds.filter(isUuid);
    const live = await sql<{ id: string }>(tx, `select id from customer where workspace_id = ? and id = any(?::uuid[]) and ${liveCustomerSql()}`, [ws, ids]);
    const unknown = customerIds.find((candidate) => !live.some((row) => row.id === candidate));
    if (unknown) throw CustomerErrors.notFound(unknown);
    const changed = add
      ? await sql<{ customer_id: string }>(
          tx,
          `insert into segment_member (segment_id, customer_id, workspace_id, since) select ?, x, ?, ? from unnest(?::uuid[]) x on conflict do nothing returning customer_id`,
          [segment.id, ws, now, ids],
        )
      : await sql<{ customer_id: string }>(
          tx,
          `delete from segment_member where workspace_id = ? and segment_id = ? and customer_id = any(?::uuid[]) returning customer_id`,
          [ws, segment.id, ids],
        );
    await sql(
      tx,
      `insert into segment_change (id, workspace_id, segment_id, customer_id, change, at) select gen_random_uuid(), ?, ?, x, ?, ? from unnest(?::uuid[]) x`,
      [ws, segment.id, add ? 'ENTERED' : 'EXITED', now, changed.map((row) => row.customer_id)],
    );
    segment.updatedAt = now;
    const moved = changed.map((row) => row.customer_id);
    return { segment, changes: add ? { entered: moved, exited: [] } : { entered: [], exited: moved } };
  });
}

export interface MembershipChanges {
  segmentId: string;
  entered: string[];
  exited: string[];
}

/** The segment step of a write that touched some customers: a read to send with the caller's reads, then writes. */
export interface MembershipStep {
  /** The workspace's dynamic segments. */
  read: Statement;
  /**
   * Each dynamic segment (the rows of `read`) re-evaluated for the touched customers only, in the
   * caller's transaction (segments that refer to no other segment first, so a segment of segments
   * sees them current): one statement per segment, and `changes` reads their results.
   */
  writes(segments: Row[], customerIds: string[], now: Date): { steps: Statement[]; changes(results: Row[][]): MembershipChanges[] };
}

/** Live membership: the one step builder of segments for writes that touch customers. */
export const membershipStep = (workspaceId: string): MembershipStep => ({
  read: {
    text: `select id, rule from segment where workspace_id = ? and kind = 'DYNAMIC' and rule is not null order by created_at, id`,
    params: [workspaceId],
  },
  writes(segments, customerIds, now) {
    if (!customerIds.length) return { steps: [], changes: () => [] };
    const ordered = [...(segments as { id: string; rule: Rule }[])].sort((a, b) => referencedSegments(a.rule).length - referencedSegments(b.rule).length);
    const steps = ordered.map((segment) => membershipDiff(workspaceId, segment.id, selection(workspaceId, segment.rule, now, true), now, customerIds));
    const changes = (results: Row[][]) =>
      ordered.flatMap((segment, i) => {
        const rows = results[i] as ChangeRow[];
        return rows.length ? [{ segmentId: segment.id, ...changesOf(rows) }] : [];
      });
    return { steps, changes };
  },
});

/** {@link membershipStep}, run now. */
export async function reevaluateMembers(tx: EntityManager, workspaceId: string, customerIds: string[], now: Date): Promise<MembershipChanges[]> {
  if (!customerIds.length) return [];
  const membership = membershipStep(workspaceId);
  const [segments] = await pipeline(tx, [membership.read]);
  const { steps, changes } = membership.writes(segments, customerIds, now);
  const changed = changes(await pipeline(tx, steps));
  await trigger(tx, workspaceId, PlaybookTrigger.SEGMENT_ENTERED, segmentEntries(changed, now), now);
  await writeMembershipEvents(tx, workspaceId, changed, now);
  return changed;
}

export async function publishMembership(bus: EventBus, workspaceId: string, changes: MembershipChanges[]): Promise<void> {
  for (const change of changes) await publishChanges(bus, workspaceId, change.segmentId, change);
}
