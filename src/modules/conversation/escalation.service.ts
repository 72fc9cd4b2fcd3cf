import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { sql } from '../../db/sql';
import { Priority, type ValueTier } from '../../graphql/enums';
import { rankOf } from '../queue/routing.service';

/** One step up; URGENT stays URGENT. */
const STEP_UP: Record<Priority, Priority> = {
  [Priority.LOW]: Priority.NORMAL,
  [Priority.NORMAL]: Priority.HIGH,
  [Priority.HIGH]: Priority.URGENT,
  [Priority.URGENT]: Priority.URGENT,
};

export interface Raised {
  conversationId: string;
  fromPriority: Priority;
  toPriority: Priority;
}

/** Raises the conversations' priority one step, their place in line (rank) with it. */
export async function raisePriority(tx: EntityManager, workspaceId: string, conversationIds: string[], now: Date): Promise<Raised[]> {
  if (conversationIds.length === 0) return [];
  const rows = await sql<{ id: string; priority: Priority; rank: number; value_tier: ValueTier | null }>(
    tx,
    `select c.id, c.priority, c.rank, cu.value_tier from conversation c left join customer cu on cu.workspace_id = c.workspace_id and cu.id = c.customer_id
     where c.workspace_id = ? and c.id = any(?::uuid[]) order by c.id`,
    [workspaceId, conversationIds],
  );
  // never further back in line than before (a complaint lane's place stays)
  const raised = rows.map((row) => ({
    conversationId: row.id,
    fromPriority: row.priority,
    toPriority: STEP_UP[row.priority],
    rank: Math.min(row.rank, rankOf(STEP_UP[row.priority], row.value_tier)),
  }));
  await sql(
    tx,
    `update conversation c set priority = x.priority, rank = x.rank, updated_at = ? from unnest(?::uuid[], ?::text[], ?::int[]) x(id, priority, rank)
     where c.workspace_id = ? and c.id = x.id`,
    [now, raised.map((r) => r.conversationId), raised.map((r) => r.toPriority), raised.map((r) => r.rank), workspaceId],
  );
  return raised.map(({ conversationId, fromPriority, toPriority }) => ({ conversationId, fromPriority, toPriority }));
}

export interface EscalationRecord extends Raised {
  reason: string;
  fromQueueId: string | null;
  toQueueId: string | null;
  automatic: boolean;
}

/** Writes the escalations, and counts them on their conversations, in one statement. */
export async function recordEscalations(
  tx: EntityManager,
  workspaceId: string,
  records: EscalationRecord[],
  actorKeyId: string | null,
  now: Date,
): Promise<void> {
  if (records.length === 0) return;
  await sql(
    tx,
    `with added as (
       insert into conversation_escalation (id, workspace_id, conversation_id, reason, from_priority, to_priority, from_queue_id, to_queue_id, automatic, actor_key_id, at)
       select x.id, ?, x.conversation_id, x.reason, x.from_priority, x.to_priority, x.from_queue_id, x.to_queue_id, x.automatic, ?, ?
       from unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::uuid[], ?::uuid[], ?::boolean[])
         as x(id, conversation_id, reason, from_priority, to_priority, from_queue_id, to_queue_id, automatic)
       returning conversation_id)
     update conversation c set escalation_count = escalation_count + a.n
     from (select conversation_id, count(*)::int n from added group by conversation_id) a where c.workspace_id = ? and c.id = a.conversation_id`,
    [
      workspaceId,
      actorKeyId,
      now,
      records.map(() => uuidv7()),
      records.map((r) => r.conversationId),
      records.map((r) => r.reason),
      records.map((r) => r.fromPriority),
      records.map((r) => r.toPriority),
      records.map((r) => r.fromQueueId),
      records.map((r) => r.toQueueId),
      records.map((r) => r.automatic),
      workspaceId,
    ],
  );
}

/** The reason of an escalation by a customer's strongly negative message. */
export const NEGATIVE_SENTIMENT = 'negative sentiment';

/**
 * A customer's message below the workspace's threshold on a conversation waiting in line raises its
 * priority one step, once per conversation, recorded as an automatic escalation. Returns whether it did.
 */
export async function escalateForSentiment(
  tx: EntityManager,
  workspaceId: string,
  conversation: { id: string; queue_id: string | null; sentiment_escalated_at: Date | null },
  now: Date,
): Promise<boolean> {
  if (conversation.sentiment_escalated_at) return false;
  const [raised] = await raisePriority(tx, workspaceId, [conversation.id], now);
  const queue = conversation.queue_id;
  await recordEscalations(tx, workspaceId, [{ ...raised, reason: NEGATIVE_SENTIMENT, fromQueueId: queue, toQueueId: queue, automatic: true }], null, now);
  await sql(tx, `update conversation set sentiment_escalated_at = ? where workspace_id = ? and id = ?`, [now, workspaceId, conversation.id]);
  return true;
}

/** Of these conversations just breached, those whose queue's policy escalates on a breach and that no breach escalated before. */
export async function dueForBreachEscalation(
  tx: EntityManager,
  workspaceId: string,
  conversationIds: string[],
): Promise<{ id: string; queue_id: string | null }[]> {
  if (conversationIds.length === 0) return [];
  return sql<{ id: string; queue_id: string | null }>(
    tx,
    `select c.id, c.queue_id from conversation c
     join queue q on q.workspace_id = c.workspace_id and q.id = c.queue_id
     join sla_policy p on p.workspace_id = q.workspace_id and p.id = q.sla_policy_id
     where c.workspace_id = ? and c.id = any(?::uuid[]) and p.escalate_on_breach
       and not exists (select 1 from conversation_escalation e where e.workspace_id = c.workspace_id and e.conversation_id = c.id and e.automatic)`,
    [workspaceId, conversationIds],
  );
}
