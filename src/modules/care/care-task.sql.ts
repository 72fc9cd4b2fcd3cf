import type { Statement } from '../../db/pipeline';
import { LifecycleStage, PlaybookTrigger } from '../../graphql/enums';
import { inFamily } from '../customer/privacy.service';

/** What a trigger happened to: the customer, the subject (a feedback item, a conversation, a segment) and when. */
export interface TriggerSubject {
  customerId: string;
  subjectId: string | null;
  at: Date;
}

/** A stage change, as lifecycle records it. */
interface StageChange {
  customerId: string;
  from: LifecycleStage | null;
  to: LifecycleStage;
  reason: string;
  at: Date;
}

/** The playbook triggers among stage changes: becoming AT_RISK (a complaint has its own playbook). */
export function atRiskSubjects(transitions: readonly StageChange[]): TriggerSubject[] {
  return transitions
    .filter((t) => t.to === LifecycleStage.AT_RISK && t.from !== LifecycleStage.AT_RISK && t.reason !== 'complaint')
    .map((t) => ({ customerId: t.customerId, subjectId: null, at: t.at }));
}

/** The statement that creates the win-back tasks of the customers who became AT_RISK, if any did. */
export const atRiskStatements = (workspaceId: string, transitions: readonly StageChange[], now: Date): Statement[] =>
  [triggerStatement(workspaceId, PlaybookTrigger.BECAME_AT_RISK, atRiskSubjects(transitions), now)].filter((s): s is Statement => s !== null);

/** Customers who entered segments, as SEGMENT_ENTERED subjects (the segment is the subject). */
export const segmentEntries = (changes: readonly { segmentId: string; entered: readonly string[] }[], at: Date): TriggerSubject[] =>
  changes.flatMap((change) => change.entered.map((customerId) => ({ customerId, subjectId: change.segmentId, at })));

const COLUMNS = `id, workspace_id, customer_id, playbook_id, trigger, subject_id, step, scene, channel, owner_id, due_at, repeat_every_hours, status, created_at, updated_at`;

/** Which playbooks of a trigger apply to a subject: those narrowed to a segment need the customer in it (for SEGMENT_ENTERED, it is the segment entered). */
const NARROWED: Record<PlaybookTrigger, string> = {
  ...(Object.fromEntries(
    Object.values(PlaybookTrigger).map((trigger) => [
      trigger,
      `(p.segment_id is null or exists (select 1 from segment_member m where m.workspace_id = p.workspace_id and m.segment_id = p.segment_id and m.customer_id = k.customer_id))`,
    ]),
  ) as Record<PlaybookTrigger, string>),
  [PlaybookTrigger.SEGMENT_ENTERED]: `(p.segment_id is null or p.segment_id = k.subject_id)`,
};

/**
 * Creates the care tasks a trigger asks for: one per step of each active playbook of the trigger
 * that applies, due its hours after the trigger, for the customer's owner (none: for the queue).
 * Runs in the transaction of the change that triggered it.
 */
export function triggerStatement(workspaceId: string, trigger: PlaybookTrigger, subjects: readonly TriggerSubject[], now: Date): Statement | null {
  if (!subjects.length) return null;
  return {
    text: `insert into care_task (${COLUMNS})
     select gen_random_uuid(), p.workspace_id, k.customer_id, p.id, p.trigger, k.subject_id, s.name, s.scene, s.channel,
       (select c.owner_id from customer c where c.workspace_id = p.workspace_id and c.id = k.customer_id),
       k.at + make_interval(secs => s."dueAfterHours" * 3600), s."repeatEveryHours", 'OPEN', ?, ?
     from unnest(?::uuid[], ?::uuid[], ?::timestamptz[]) k(customer_id, subject_id, at)
     join playbook p on p.workspace_id = ? and p.trigger = ? and p.active and ${NARROWED[trigger]}
     cross join lateral jsonb_to_recordset(p.steps) s(name text, "dueAfterHours" float8, scene text, channel text, "repeatEveryHours" float8)`,
    params: [now, now, subjects.map((s) => s.customerId), subjects.map((s) => s.subjectId), subjects.map((s) => s.at), workspaceId, trigger],
  };
}

/** Whether a task's subject no longer needs care (its repeats stop), by trigger; a first purchase never settles. */
const SETTLED = `case t.trigger
  when 'COMPLAINT_OPENED' then exists (select 1 from feedback_item f where f.workspace_id = t.workspace_id and f.id = t.subject_id and f.status = 'CLOSED')
  when 'BECAME_AT_RISK' then not exists (select 1 from customer c where c.workspace_id = t.workspace_id and c.id = t.customer_id and c.lifecycle_stage = 'AT_RISK')
  when 'SEGMENT_ENTERED' then not exists (select 1 from segment_member m where m.workspace_id = t.workspace_id and m.segment_id = t.subject_id and m.customer_id = t.customer_id)
  when 'CONVERSATION_RESOLVED' then exists (select 1 from conversation v where v.workspace_id = t.workspace_id and v.id = t.subject_id and v.status = 'CLOSED')
  else false end`;

/**
 * Marks open tasks DONE at `now` (with the channel used and a note) and, for a repeating one whose
 * subject is not settled, creates the next occurrence, due one period after the later of its due
 * time and now. Returns the ids done.
 */
export function completeStatement(workspaceId: string, ids: readonly string[], channel: string | null, note: string | null, now: Date): Statement {
  return {
    text: `with done as (
       update care_task t set status = 'DONE', done_at = ?, channel = coalesce(?, t.channel), note = coalesce(?, t.note), updated_at = ?
       where t.workspace_id = ? and t.id = any(?::uuid[]) and t.status = 'OPEN' returning t.*
     ), next as (
       insert into care_task (${COLUMNS})
       select gen_random_uuid(), t.workspace_id, t.customer_id, t.playbook_id, t.trigger, t.subject_id, t.step, t.scene, t.channel, t.owner_id,
         greatest(t.due_at, ?::timestamptz) + make_interval(secs => t.repeat_every_hours * 3600), t.repeat_every_hours, 'OPEN', ?, ?
       from done t where t.repeat_every_hours is not null and not (${SETTLED})
     )
     select id from done`,
    params: [now, channel, note, now, workspaceId, [...ids], now, now, now],
  };
}

/** Cancels the open repeating tasks of subjects now settled (a complaint CLOSED): their next update is no longer owed. */
export const settleStatement = (workspaceId: string, subjectIds: readonly string[], now: Date): Statement => ({
  text: `update care_task set status = 'CANCELLED', note = coalesce(note, 'settled'), updated_at = ?
     where workspace_id = ? and subject_id = any(?::uuid[]) and status = 'OPEN' and repeat_every_hours is not null`,
  params: [now, workspaceId, [...subjectIds]],
});

/**
 * The open task a contact on `channel` at `now` carries out, if any: the customer's (or one merged
 * into it) earliest due, on that channel or on none.
 */
export const matchingTaskStatement = (workspaceId: string, customerId: string, channel: string): Statement => ({
  text: `select t.id from care_task t
     where t.workspace_id = ? and ${inFamily('t.customer_id')}
       and t.status = 'OPEN' and (t.channel is null or t.channel = ?)
     order by t.due_at, t.id limit 1`,
  params: [workspaceId, workspaceId, customerId, customerId, channel],
});

/**
 * Claims the open tasks to announce on `careTaskDue` at `now`: those within `noticeHours` of their
 * due time not yet announced, and those past it not yet announced as overdue; each is announced
 * once as due and once as overdue (one announcement, overdue, when both come at once).
 */
export const claimDueStatement = (workspaceId: string, now: Date, noticeHours: number): Statement => ({
  text: `update care_task t set due_announced_at = coalesce(t.due_announced_at, ?::timestamptz),
       overdue_announced_at = case when t.due_at <= ?::timestamptz then ?::timestamptz end, updated_at = ?
     where t.workspace_id = ? and t.status = 'OPEN' and t.overdue_announced_at is null
       and t.due_at <= ?::timestamptz + make_interval(secs => ? * 3600) and (t.due_announced_at is null or t.due_at <= ?::timestamptz)
     returning t.id, t.owner_id, t.customer_id, t.due_at, t.overdue_announced_at is not null as overdue`,
  params: [now, now, now, now, workspaceId, now, noticeHours, now],
});

/** Done, done on time, and open past due, per playbook. */
export const statsStatement = (workspaceId: string, playbookIds: readonly string[], now: Date): Statement => ({
  text: `select playbook_id, count(*)::int tasks, (count(*) filter (where status = 'DONE'))::int done,
       (count(*) filter (where status = 'DONE' and done_at <= due_at))::int done_on_time,
       (count(*) filter (where status = 'OPEN' and due_at < ?))::int overdue
     from care_task where workspace_id = ? and playbook_id = any(?::uuid[]) group by playbook_id`,
  params: [now, workspaceId, [...playbookIds]],
});
