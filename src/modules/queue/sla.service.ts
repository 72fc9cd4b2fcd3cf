import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import { dueForBreachEscalation, raisePriority, recordEscalations } from '../conversation/escalation.service';
import type { Outbox } from '../../events/outbox';
import { SlaState } from '../../graphql/enums';

const TARGETS = [
  { name: 'FIRST_RESPONSE', state: 'first_response_sla', due: 'first_response_due_at', warn: 'first_response_warn_at' },
  { name: 'RESOLUTION', state: 'resolution_sla', due: 'resolution_due_at', warn: 'resolution_warn_at' },
] as const;

/**
 * Moves SLA targets on as of `now`, each once: past due -> BREACHED (from OK or AT_RISK), then
 * at the warning point -> AT_RISK (from OK). A target MET never moves. Every change is an alert in
 * the outbox (SLA_ALERT and the conversation's own update). Idempotent: a second run finds nothing.
 */
export async function sweepSla(tx: EntityManager, workspaceId: string, now: Date, outbox: Outbox): Promise<number> {
  let changed = 0;
  const at = now.toISOString();
  for (const target of TARGETS) {
    for (const step of ['BREACHED', 'AT_RISK'] as const) {
      const condition =
        step === 'BREACHED'
          ? `${target.state} in ('OK', 'AT_RISK') and ${target.due} < ?`
          : `${target.state} = 'OK' and ${target.warn} <= ? and ${target.due} >= ?`;
      const rows = await sql<{ id: string; queue_id: string | null; due: Date }>(
        tx,
        `update conversation set ${target.state} = ?, updated_at = ?${step === 'BREACHED' ? ', sla_breached_at = coalesce(sla_breached_at, ?)' : ''}
         where workspace_id = ? and ${condition} returning id, queue_id, ${target.due} due`,
        step === 'BREACHED' ? [SlaState.BREACHED, now, now, workspaceId, now] : [SlaState.AT_RISK, now, workspaceId, now, now],
      );
      for (const row of rows) {
        outbox.add('SLA_ALERT', {
          ws: workspaceId,
          queueId: row.queue_id,
          conversationId: row.id,
          state: step,
          target: target.name,
          dueAt: new Date(row.due).toISOString(),
          at,
        });
        outbox.add('CONVERSATION_UPDATED', { ws: workspaceId, conversationId: row.id, kind: 'SLA', messageId: null, at });
      }
      changed += rows.length;
      if (step === 'BREACHED')
        await escalateOnBreach(
          tx,
          workspaceId,
          rows.map((row) => row.id),
          target.name,
          now,
          outbox,
        );
    }
  }
  return changed;
}

/** Escalates, once each, the conversations just breached whose queue's policy says so (automatic escalations). */
async function escalateOnBreach(tx: EntityManager, workspaceId: string, ids: string[], target: string, now: Date, outbox: Outbox): Promise<void> {
  const due = await dueForBreachEscalation(tx, workspaceId, ids);
  if (due.length === 0) return;
  const raised = await raisePriority(
    tx,
    workspaceId,
    due.map((row) => row.id),
    now,
  );
  const queueOf = new Map(due.map((row) => [row.id, row.queue_id]));
  await recordEscalations(
    tx,
    workspaceId,
    raised.map((r) => ({
      ...r,
      reason: `${target} target breached`,
      fromQueueId: queueOf.get(r.conversationId)!,
      toQueueId: queueOf.get(r.conversationId)!,
      automatic: true,
    })),
    null,
    now,
  );
  for (const { conversationId } of raised)
    outbox.add('CONVERSATION_UPDATED', { ws: workspaceId, conversationId, kind: 'ESCALATED', messageId: null, at: now.toISOString() });
}

/** Queues of the workspace with conversations waiting: the safety net routes them once a minute. */
export async function queuesWithWaiting(em: EntityManager, workspaceId: string): Promise<string[]> {
  const rows = await sql<{ queue_id: string }>(
    em,
    `select distinct queue_id from conversation where workspace_id = ? and status = 'QUEUED' and queue_id is not null`,
    [workspaceId],
  );
  return rows.map((row) => row.queue_id);
}
