import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { pipeline } from '../../db/pipeline';
import { sql } from '../../db/sql';
import type { Outbox } from '../../events/outbox';
import type { Viewer } from '../../graphql/auth';
import { CareTaskStatus, PlaybookTrigger, WebhookTopic, type Channel, type ValueTier } from '../../graphql/enums';
import { webhookEventsStatement } from '../webhook/webhook.sql';
import { recordAuditVia } from '../workspace/audit.service';
import type { ContactCadence } from '../workspace/workspace-settings.types';
import { isDedicatedContact, nextContactDue } from './cadence.rules';
import { CareErrors } from './care.errors';
import { claimDueStatement, completeStatement, matchingTaskStatement, triggerStatement, type TriggerSubject } from './care-task.sql';
import { isSampled, SAMPLED_FOLLOW_UP } from './playbook.rules';

/** The live customer a customer id belongs to now (itself, or the survivor it was merged into); binds the workspace twice, then the id. */
const LIVE_FAMILY_HEAD = `c.workspace_id = ? and c.id = (select coalesce(merged_into_id, id) from customer where workspace_id = ? and id = ?) and c.erased_at is null`;

/** Subjects beyond which a trigger first asks whether any playbook listens, rather than sending them all for nothing. */
const MANY = 100;

/** Creates the tasks a trigger asks for, in the caller's transaction. */
export async function trigger(tx: EntityManager, workspaceId: string, kind: PlaybookTrigger, subjects: TriggerSubject[], now: Date): Promise<void> {
  const statement = triggerStatement(workspaceId, kind, subjects, now);
  if (!statement) return;
  if (subjects.length > MANY) {
    const [listening] = await sql(tx, `select 1 from playbook where workspace_id = ? and trigger = ? and active limit 1`, [workspaceId, kind]);
    if (!listening) return;
  }
  await pipeline(tx, [statement]);
}

/**
 * A conversation resolved: its playbooks, and a sampled follow-up call three days later for `rate`
 * of them, for the customer it belongs to now (none for an erased one).
 */
export async function conversationResolved(tx: EntityManager, workspaceId: string, conversationId: string, anyCustomerId: string, rate: number, now: Date) {
  const [live] = await sql<{ id: string }>(tx, `select c.id from customer c where ${LIVE_FAMILY_HEAD}`, [workspaceId, workspaceId, anyCustomerId]);
  if (!live) return;
  const customerId = live.id;
  const subject = { customerId, subjectId: conversationId, at: now };
  const statements = [triggerStatement(workspaceId, PlaybookTrigger.CONVERSATION_RESOLVED, [subject], now)!];
  if (isSampled(conversationId, rate)) {
    const { name, dueAfterHours, scene, channel } = SAMPLED_FOLLOW_UP;
    statements.push({
      text: `insert into care_task (id, workspace_id, customer_id, trigger, subject_id, step, scene, channel, owner_id, due_at, status, created_at, updated_at)
       select gen_random_uuid(), c.workspace_id, c.id, 'CONVERSATION_RESOLVED', ?, ?, ?, ?, c.owner_id, ?, 'OPEN', ?, ? from customer c where c.workspace_id = ? and c.id = ?`,
      params: [conversationId, name, scene, channel, new Date(now.getTime() + dueAfterHours * 3_600_000), now, now, workspaceId, customerId],
    });
  }
  await pipeline(tx, statements);
}

/**
 * Counts an outbound contact (recordContact, an agent's message) for the customer the id belongs
 * to now: the last contact, the last dedicated one when the owner made it by phone or in person,
 * and the next due by the tier's cadence. Locks the customer; an erased one is not counted.
 */
export async function countContact(
  tx: EntityManager,
  workspaceId: string,
  anyCustomerId: string,
  channel: Channel,
  agentId: string | null,
  cadences: readonly ContactCadence[],
  now: Date,
): Promise<void> {
  const [row] = await sql<{
    id: string;
    value_tier: ValueTier;
    owner_id: string | null;
    created_at: Date;
    last_contact_at: Date | null;
    last_dedicated_contact_at: Date | null;
  }>(
    tx,
    `select c.id, c.value_tier, c.owner_id, c.created_at, c.last_contact_at, c.last_dedicated_contact_at from customer c where ${LIVE_FAMILY_HEAD} for update`,
    [workspaceId, workspaceId, anyCustomerId],
  );
  if (!row) return;
  const latest = (at: Date | null) => (at && new Date(at) > now ? new Date(at) : now);
  const lastContactAt = latest(row.last_contact_at);
  const lastDedicatedContactAt = isDedicatedContact(channel, agentId !== null && agentId === row.owner_id)
    ? latest(row.last_dedicated_contact_at)
    : row.last_dedicated_contact_at && new Date(row.last_dedicated_contact_at);
  const due = nextContactDue(row.value_tier, { lastContactAt, lastDedicatedContactAt, since: new Date(row.created_at) }, cadences);
  await sql(tx, `update customer set last_contact_at = ?, last_dedicated_contact_at = ?, next_contact_due_at = ? where workspace_id = ? and id = ?`, [
    lastContactAt,
    lastDedicatedContactAt,
    due,
    workspaceId,
    row.id,
  ]);
}

/** A recorded contact carries out the customer's earliest due open task on its channel (or on none), if there is one. */
export async function completeMatchingTask(tx: EntityManager, workspaceId: string, customerId: string, channel: Channel, now: Date): Promise<string | null> {
  const [[task]] = await pipeline(tx, [matchingTaskStatement(workspaceId, customerId, channel)]);
  if (!task) return null;
  await pipeline(tx, [completeStatement(workspaceId, [task.id], channel, null, now)]);
  return task.id as string;
}

async function openTask(tx: EntityManager, workspaceId: string, id: string): Promise<void> {
  const [task] = isUuid(id)
    ? await sql<{ status: string }>(tx, `select status from care_task where workspace_id = ? and id = ? for update`, [workspaceId, id])
    : [];
  if (!task) throw CareErrors.taskNotFound(id);
  if (task.status !== CareTaskStatus.OPEN) throw CareErrors.taskNotOpen(id, task.status);
}

const note = (text: string | null | undefined, field: string): string | null => {
  const trimmed = text?.trim() || null;
  if (trimmed && trimmed.length > 2000) throw CareErrors.playbookInvalid(field, 'must be at most 2000 characters');
  return trimmed;
};

/** Marks a task DONE (a repeating one's next occurrence follows unless its subject is settled); audited. */
export async function completeCareTask(
  tx: EntityManager,
  outbox: Outbox,
  viewer: Viewer,
  id: string,
  channel: Channel | null,
  text: string | null | undefined,
  now: Date,
): Promise<void> {
  const ws = viewer.workspaceId;
  await openTask(tx, ws, id);
  await pipeline(tx, [completeStatement(ws, [id], channel, note(text, 'note'), now)]);
  recordAuditVia(outbox, tx, ws, viewer.keyId, { action: 'care_task.completed', subjectType: 'CareTask', subjectId: id, details: { channel } });
}

export async function cancelCareTask(tx: EntityManager, outbox: Outbox, viewer: Viewer, id: string, reason: string, now: Date): Promise<void> {
  const ws = viewer.workspaceId;
  const why = note(reason, 'reason');
  if (!why) throw CareErrors.playbookInvalid('reason', 'must not be empty');
  await openTask(tx, ws, id);
  await sql(tx, `update care_task set status = 'CANCELLED', note = ?, updated_at = ? where workspace_id = ? and id = ?`, [why, now, ws, id]);
  recordAuditVia(outbox, tx, ws, viewer.keyId, { action: 'care_task.cancelled', subjectType: 'CareTask', subjectId: id, details: {} });
}

/** Claims the tasks to announce now on `careTaskDue` (see claimDueStatement): [id, owner id or ''] pairs. */
export async function claimDueTasks(tx: EntityManager, workspaceId: string, now: Date, noticeHours: number): Promise<[string, string][]> {
  const [rows] = await pipeline(tx, [claimDueStatement(workspaceId, now, noticeHours)]);
  const events = rows.map((row) => ({ careTaskId: row.id, customerId: row.customer_id, ownerId: row.owner_id, dueAt: row.due_at, overdue: row.overdue }));
  const webhooks = webhookEventsStatement(workspaceId, WebhookTopic.CARE_TASK_DUE, events, now);
  if (webhooks) await pipeline(tx, [webhooks]);
  return rows.map((row) => [row.id as string, (row.owner_id as string | null) ?? '']);
}
