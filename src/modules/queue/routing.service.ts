import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, withRetries } from '../../db/sql';
import type { Outbox } from '../../events/outbox';
import { Priority, QueueChange, ValueTier } from '../../graphql/enums';

/** A conversation given to an agent by routing. */
export interface Assignment {
  conversationId: string;
  agentId: string;
  queueId: string | null;
}

/** Effective priority, lower first: URGENT; HIGH priority or a HIGH value-tier customer; NORMAL; LOW. */
export function rankOf(priority: Priority, tier: ValueTier | null): number {
  if (priority === Priority.URGENT) return 0;
  if (priority === Priority.HIGH || tier === ValueTier.HIGH) return 1;
  return priority === Priority.NORMAL ? 2 : 3;
}

/**
 * Serialises, per workspace, every transaction that hands out or frees agent capacity (routing,
 * assign, transfer, resolve, agent status), in every server process. Taken before any conversation
 * or agent row lock, so those never wait on each other in a cycle.
 */
export async function lockRouting(tx: EntityManager, workspaceId: string): Promise<void> {
  await sql(tx, `select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`routing:${workspaceId}`]);
}

/**
 * {@link route} in a transaction of its own holding {@link lockRouting}: for a conversation that
 * found no agent when it was opened (opening routes without the lock, see `openConversation`), and
 * for the periodic safety net.
 */
export function routeUnderLock(em: EntityManager, workspaceId: string, queueIds: Iterable<string | null | undefined>, now: Date): Promise<Assignment[]> {
  return withRetries(em, async (tx) => {
    await lockRouting(tx, workspaceId);
    return route(tx, workspaceId, queueIds, now);
  });
}

/** Conversations fetched (and row-locked) per round, and looked at per queue at most. */
const BATCH = 25;
const MAX_SCAN = 200;

const hasCapacity = async (tx: EntityManager, workspaceId: string, queueId: string): Promise<boolean> => {
  const [row] = await sql<{ free: boolean }>(
    tx,
    `select exists (select 1 from agent a join agent_queue aq on aq.workspace_id = a.workspace_id and aq.agent_id = a.id
                    where a.workspace_id = ? and aq.queue_id = ? and a.status = 'ONLINE' and a.active_count < a.max_concurrent) free`,
    [workspaceId, queueId],
  );
  return row.free;
};

/**
 * Gives the waiting conversations of the queues to eligible agents, in one transaction (the
 * caller's, holding {@link lockRouting} unless it routes only what it has just queued itself). Conversations go by effective priority then age, locked
 * `FOR UPDATE SKIP LOCKED`; each takes the member agent who is ONLINE, has every required skill and
 * spare capacity, least loaded first, then idle longest, locked `FOR UPDATE SKIP LOCKED`, whose
 * load rises in the same statement. Returns the assignments made.
 */
export async function route(tx: EntityManager, workspaceId: string, queueIds: Iterable<string | null | undefined>, now: Date): Promise<Assignment[]> {
  const assignments: Assignment[] = [];
  const queues = [...new Set([...queueIds].filter((id): id is string => Boolean(id)))].sort();
  for (const queueId of queues) {
    if (!(await hasCapacity(tx, workspaceId, queueId))) continue;
    const tried: string[] = [];
    let open = true;
    while (open && tried.length < MAX_SCAN) {
      const candidates = await sql<{ id: string; required_skills: string[] }>(
        tx,
        `select id, required_skills from conversation
         where workspace_id = ? and queue_id = ? and status = 'QUEUED' and id <> all(?::uuid[])
         order by rank, enqueued_at, id limit ? for update skip locked`,
        [workspaceId, queueId, tried, BATCH],
      );
      for (const candidate of candidates) {
        tried.push(candidate.id);
        const agentId = await assignBest(tx, workspaceId, queueId, candidate.id, candidate.required_skills, now);
        if (agentId) assignments.push({ conversationId: candidate.id, agentId, queueId });
        else if (candidate.required_skills.length === 0 || !(await hasCapacity(tx, workspaceId, queueId))) {
          open = false;
          break;
        }
      }
      if (candidates.length < BATCH) break;
    }
  }
  return assignments;
}

async function assignBest(
  tx: EntityManager,
  workspaceId: string,
  queueId: string,
  conversationId: string,
  skills: string[],
  now: Date,
): Promise<string | null> {
  const [row] = await sql<{ agent_id: string }>(
    tx,
    `with best as (
       select a.id from agent a join agent_queue aq on aq.workspace_id = a.workspace_id and aq.agent_id = a.id
       where a.workspace_id = ? and aq.queue_id = ? and a.status = 'ONLINE' and a.active_count < a.max_concurrent and a.skills @> ?::text[]
       order by a.active_count, a.last_assigned_at asc nulls first, a.id
       limit 1 for update of a skip locked
     ), taken as (
       update agent set active_count = agent.active_count + 1, last_assigned_at = ? from best where agent.id = best.id returning agent.id
     )
     update conversation c set status = 'ASSIGNED', assignee_id = taken.id, assigned_at = ?, updated_at = ? from taken
     where c.workspace_id = ? and c.id = ? returning taken.id as agent_id`,
    [workspaceId, queueId, skills, now, now, now, workspaceId, conversationId],
  );
  return row?.agent_id ?? null;
}

/** The queues an agent serves. */
export async function queuesOfAgent(tx: EntityManager, workspaceId: string, agentId: string): Promise<string[]> {
  const rows = await sql<{ queue_id: string }>(tx, `select queue_id from agent_queue where workspace_id = ? and agent_id = ? order by queue_id`, [
    workspaceId,
    agentId,
  ]);
  return rows.map((row) => row.queue_id);
}

/** Frees one slot of an agent (a conversation resolved, transferred or reassigned). */
export async function releaseAgent(tx: EntityManager, workspaceId: string, agentId: string | null | undefined): Promise<void> {
  if (!agentId) return;
  await sql(tx, `update agent set active_count = greatest(active_count - 1, 0) where workspace_id = ? and id = ?`, [workspaceId, agentId]);
}

/** What subscribers hear of each assignment. */
export function announceAssignments(outbox: Outbox, workspaceId: string, assignments: Assignment[], at: Date): void {
  const iso = at.toISOString();
  for (const { conversationId, agentId, queueId } of assignments) {
    if (queueId) outbox.add('QUEUE_UPDATED', { ws: workspaceId, queueId, change: QueueChange.ASSIGNED, conversationId, at: iso });
    outbox.add('AGENT_ASSIGNED', { ws: workspaceId, agentId, conversationId });
    outbox.add('CONVERSATION_UPDATED', { ws: workspaceId, conversationId, kind: 'ASSIGNED', messageId: null, at: iso });
  }
}
