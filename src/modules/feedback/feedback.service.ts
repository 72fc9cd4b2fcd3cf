import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { pipeline } from '../../db/pipeline';
import { sql } from '../../db/sql';
import { settleStatement } from '../care/care-task.sql';
import { trigger } from '../care/care-task.service';
import { countLater } from '../../graphql/connection';
import type { Viewer } from '../../graphql/auth';
import { cursorKey, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { FeedbackCategory, FeedbackStatus, PlaybookTrigger, WebhookTopic, type Channel } from '../../graphql/enums';
import { webhookEventsStatement } from '../webhook/webhook.sql';
import { inFamily, liveCustomerId } from '../customer/privacy.service';
import { reevaluate, type Transition } from '../lifecycle/lifecycle.service';
import { recordAudit } from '../workspace/audit.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { FeedbackItem, FollowUp } from './feedback-item.entity';
import { NEXT, OVERDUE_SQL, responseDueAt } from './feedback.rules';
import type { AdvanceFeedbackInput, FeedbackFilter, OpenFeedbackInput, ScheduleFollowUpInput } from './feedback.input';
import { ConversationErrors } from '../conversation/conversation.errors';
import { FeedbackErrors } from './feedback.errors';

export const COMPLAINT_TAG = 'complaint-risk';

const text = (field: string, value: string | null | undefined, max: number, required = false): string | null => {
  const trimmed = value?.trim() ?? '';
  if (required && !trimmed) throw FeedbackErrors.fieldRequired(field);
  if (trimmed.length > max) throw FeedbackErrors.fieldTooLong(field, max);
  return trimmed || null;
};

/**
 * Marks a complaint on the customer: tagged `complaint-risk`, and AT_RISK at once (through the
 * lifecycle rules, so the transition is kept and published like any other).
 */
export async function markComplaint(tx: EntityManager, workspaceId: string, settings: WorkspaceSettings, customerId: string, now: Date): Promise<Transition[]> {
  await sql(
    tx,
    `update customer set complaint_at = ?, tags = case when ? = any(tags) then tags else array_append(tags, ?) end, updated_at = ? where workspace_id = ? and id = ?`,
    [now, COMPLAINT_TAG, COMPLAINT_TAG, now, workspaceId, customerId],
  );
  return reevaluate(tx, workspaceId, settings, now, [customerId]);
}

/** A conversation named by an input must exist in the workspace. */
export async function checkConversation(tx: EntityManager, workspaceId: string, id: string | null | undefined): Promise<void> {
  if (!id) return;
  const [found] = isUuid(id) ? await sql(tx, `select 1 from conversation where workspace_id = ? and id = ?`, [workspaceId, id]) : [];
  if (!found) throw ConversationErrors.notFound(id);
}

/** Opens a feedback item inside the caller's transaction; its response deadline follows from the severity. */
export async function openFeedbackIn(
  tx: EntityManager,
  viewer: Viewer,
  settings: WorkspaceSettings,
  input: OpenFeedbackInput & { surveyResponseId?: string | null },
  now: Date,
): Promise<{ item: FeedbackItem; transitions: Transition[] }> {
  const customerId = await liveCustomerId(tx, viewer.workspaceId, input.customerId);
  await checkConversation(tx, viewer.workspaceId, input.conversationId);
  if (input.dueAt && input.dueAt <= now) throw FeedbackErrors.dueAtInPast();
  const item = tx.create(FeedbackItem, {
    workspace: viewer.workspaceId,
    customerId,
    conversationId: input.conversationId ?? null,
    surveyResponseId: input.surveyResponseId ?? null,
    category: input.category,
    severity: input.severity,
    summary: text('summary', input.summary, 2000, true)!,
    ownerTeam: text('ownerTeam', input.ownerTeam, 100),
    owner: text('owner', input.owner, 100),
    dueAt: input.dueAt ?? null,
    acceptanceCriteria: text('acceptanceCriteria', input.acceptanceCriteria, 2000),
    responseDueAt: responseDueAt(input.severity, settings, now),
    createdAt: now,
    updatedAt: now,
  });
  tx.persist(item);
  recordAudit(tx, viewer.workspaceId, viewer.keyId, {
    action: 'feedback.opened',
    subjectType: 'FeedbackItem',
    subjectId: item.id,
    details: { customerId, category: item.category, severity: item.severity },
  });
  const transitions = input.category === FeedbackCategory.COMPLAINT ? await markComplaint(tx, viewer.workspaceId, settings, customerId, now) : [];
  await tx.flush();
  if (input.category === FeedbackCategory.COMPLAINT)
    await trigger(tx, viewer.workspaceId, PlaybookTrigger.COMPLAINT_OPENED, [{ customerId, subjectId: item.id, at: now }], now);
  return { item, transitions };
}

async function itemFor(tx: EntityManager, id: string): Promise<FeedbackItem> {
  const item = isUuid(id) ? await tx.findOne(FeedbackItem, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
  if (!item) throw FeedbackErrors.itemNotFound(id);
  return item;
}

/**
 * One step along the ledger. RESOLVED needs a resolution note, VERIFIED needs acceptance criteria
 * on record, and CLOSED tells the customer and plans the follow-up contact on `followUpChannel`
 * (the customer's recommended channel; none when no channel is open to them).
 */
export async function advanceFeedback(
  em: EntityManager,
  viewer: Viewer,
  settings: WorkspaceSettings,
  input: AdvanceFeedbackInput,
  followUpChannel: Channel | null,
  now: Date,
): Promise<FeedbackItem> {
  return em.fork().transactional(async (tx) => {
    const item = await itemFor(tx, input.id);
    const from = item.status;
    if (!NEXT[from].includes(input.status)) {
      throw FeedbackErrors.statusStep(from, NEXT[from], input.status);
    }
    const note = text('note', input.note, 4000);
    if (input.owner !== undefined) item.owner = text('owner', input.owner, 100);
    if (input.ownerTeam !== undefined) item.ownerTeam = text('ownerTeam', input.ownerTeam, 100);
    switch (input.status) {
      case FeedbackStatus.ACKNOWLEDGED:
        item.acknowledgedAt = now;
        break;
      case FeedbackStatus.RESOLVED:
        if (!note) throw FeedbackErrors.resolutionNoteRequired();
        item.resolutionNote = note;
        item.resolvedAt = now;
        break;
      case FeedbackStatus.IN_PROGRESS:
        if (from === FeedbackStatus.RESOLVED) item.resolvedAt = null;
        break;
      case FeedbackStatus.VERIFIED:
        if (!item.acceptanceCriteria) throw FeedbackErrors.acceptanceCriteriaRequired();
        item.verifiedAt = now;
        break;
      case FeedbackStatus.CLOSED:
        item.closedAt = now;
        item.customerNotifiedAt = now;
        if (followUpChannel) {
          const dueAt = new Date(now.getTime() + settings.followUpAfterDays * 86_400_000);
          tx.persist(
            tx.create(FollowUp, {
              workspace: viewer.workspaceId,
              feedbackItemId: item.id,
              customerId: item.customerId,
              dueAt,
              channel: followUpChannel,
              createdAt: now,
            }),
          );
        }
        break;
    }
    item.status = input.status;
    item.updatedAt = now;
    // a closed complaint is settled: its daily updates stop
    if (input.status === FeedbackStatus.CLOSED) await pipeline(tx, [settleStatement(viewer.workspaceId, [item.id], now)]);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'feedback.advanced',
      subjectType: 'FeedbackItem',
      subjectId: item.id,
      details: { from, to: input.status, note },
    });
    return item;
  });
}

export async function scheduleFollowUp(em: EntityManager, viewer: Viewer, input: ScheduleFollowUpInput, now: Date): Promise<FollowUp> {
  return em.fork().transactional(async (tx) => {
    const item = await itemFor(tx, input.feedbackItemId);
    const followUp = tx.create(FollowUp, {
      workspace: viewer.workspaceId,
      feedbackItemId: item.id,
      customerId: item.customerId,
      dueAt: input.dueAt,
      channel: input.channel,
      createdAt: now,
    });
    tx.persist(followUp);
    item.updatedAt = now;
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'feedback.follow_up_scheduled',
      subjectType: 'FeedbackItem',
      subjectId: item.id,
      details: { dueAt: input.dueAt.toISOString(), channel: input.channel },
    });
    return followUp;
  });
}

export async function completeFollowUp(em: EntityManager, viewer: Viewer, id: string, outcome: string, now: Date): Promise<FollowUp> {
  return em.fork().transactional(async (tx) => {
    const followUp = isUuid(id) ? await tx.findOne(FollowUp, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
    if (!followUp) throw FeedbackErrors.followUpNotFound(id);
    if (followUp.doneAt) throw FeedbackErrors.followUpDone();
    followUp.outcome = text('outcome', outcome, 4000, true);
    followUp.doneAt = now;
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'feedback.follow_up_completed',
      subjectType: 'FeedbackItem',
      subjectId: followUp.feedbackItemId,
      details: { followUpId: id },
    });
    return followUp;
  });
}

/** Newest first, filtered; `customerIds` narrows to customers (with those merged into them). */
export async function listFeedback(
  em: EntityManager,
  workspaceId: string,
  args: { first?: number | null; after?: string | null; filter?: FeedbackFilter | null; customerId?: string },
  now: Date,
): Promise<Connection<FeedbackItem>> {
  const page = parsePage(args.first, args.after, cursorKey.timeAndId);
  const where: string[] = ['f.workspace_id = ?'];
  const params: unknown[] = [workspaceId];
  const filter = args.filter ?? {};
  if (filter.status?.length) {
    where.push('f.status = any(?::text[])');
    params.push(filter.status);
  }
  if (filter.category?.length) {
    where.push('f.category = any(?::text[])');
    params.push(filter.category);
  }
  if (filter.severity?.length) {
    where.push('f.severity = any(?::text[])');
    params.push(filter.severity);
  }
  if (filter.ownerTeam) {
    where.push('f.owner_team = ?');
    params.push(filter.ownerTeam);
  }
  if (filter.overdue != null) {
    where.push(filter.overdue ? OVERDUE_SQL : `not ${OVERDUE_SQL}`);
    params.push(now, now);
  }
  if (args.customerId) {
    where.push(inFamily('f.customer_id'));
    params.push(workspaceId, args.customerId, args.customerId);
  }
  const total = countLater(em, 'feedback_item f', where, params);
  if (page.after) {
    where.push('(f.created_at, f.id) < (?::timestamptz, ?::uuid)');
    params.push(...page.after);
  }
  const rows = await sql<Record<string, unknown>>(
    em,
    `select f.* from feedback_item f where ${where.join(' and ')} order by f.created_at desc, f.id desc limit ?`,
    [...params, page.first + 1],
  );
  return toConnection(
    rows.map((row) => em.map(FeedbackItem, row)),
    page,
    (item) => [item.createdAt.toISOString(), item.id],
    total,
  );
}

/** Marks the items that became overdue and returns them, each only once ever. */
export async function claimOverdue(em: EntityManager, workspaceId: string, now: Date): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    em,
    `update feedback_item f set overdue_alerted_at = ?
     where f.workspace_id = ? and f.overdue_alerted_at is null and f.status <> 'CLOSED' and ${OVERDUE_SQL} returning f.id`,
    [now, workspaceId, now, now],
  );
  const webhooks = webhookEventsStatement(
    workspaceId,
    WebhookTopic.FEEDBACK_OVERDUE,
    rows.map((row) => ({ feedbackItemId: row.id })),
    now,
  );
  if (webhooks) await pipeline(em, [webhooks]);
  return rows.map((row) => row.id);
}
