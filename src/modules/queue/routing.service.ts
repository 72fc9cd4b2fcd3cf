import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, withRetries } from '../../db/sql';
import { readSettings } from '../workspace/workspace-settings.service';
import type { Outbox } from '../../events/outbox';
import { Priority, QueueChange, ValueTier } from '../../graphql/enums';

/** A conversation given to an agent by routing. */
export interface Assignment {
  conversationId: string;
  agentId: string;
  queueId: string | null;
}

/**
 * Effective priority, lower first: URGENT, and the complaint lane (a customer with an open
 * complaint, or a complaint topic); HIGH priority or a HIGH value-tier customer; NORMAL; LOW.
 */
export function rankOf(priority: Priority, tier: ValueTier | null, complaint = false): number {
  if (priority === Priority.URGENT || complaint) return 0;
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
 * load rises in the same statement. An owned customer's conversation goes to the owner when the
 * owner is ONLINE with capacity, and otherwise waits for them `ownerFirstWaitSeconds` from when it
 * was queued before anyone else may take it. Returns the assignments made.
 */
export async function route(tx: EntityManager, workspaceId: string, queueIds: Iterable<string | null | undefined>, now: Date): Promise<Assignment[]> {
  const assignments: Assignment[] = [];
  const queues = [...new Set([...queueIds].filter((id): id is string => Boolean(id)))].sort();
  let ownerWaitMs: number | undefined;
  for (const queueId of queues) {
    if (!(await hasCapacity(tx, workspaceId, queueId))) continue;
    const tried: string[] = [];
    let open = true;
    while (open && tried.length < MAX_SCAN) {
      const candidates = await sql<{ id: string; required_skills: string[]; owner_id: string | null; waited_ms: number }>(
        tx,
        `select c.id, c.required_skills, extract(epoch from (?::timestamptz - c.enqueued_at))::float8 * 1000 waited_ms, o.owner_id from conversation c
         left join lateral (select owner_id from customer where workspace_id = c.workspace_id and id = c.customer_id) o on true
         where c.workspace_id = ? and c.queue_id = ? and c.status = 'QUEUED' and c.id <> all(?::uuid[])
         order by c.rank, c.enqueued_at, c.id limit ? for update of c skip locked`,
        [now, workspaceId, queueId, tried, BATCH],
      );
      for (const candidate of candidates) {
        tried.push(candidate.id);
        if (candidate.owner_id) {
          // an owned customer's conversation is offered to the owner first, and waits for them a while
          const agentId = await assign(tx, workspaceId, candidate.id, now, OWNER, [workspaceId, candidate.owner_id]);
          if (agentId) {
            assignments.push({ conversationId: candidate.id, agentId, queueId });
            continue;
          }
          ownerWaitMs ??= (await readSettings(tx, workspaceId)).ownerFirstWaitSeconds * 1000;
          if (candidate.waited_ms < ownerWaitMs) continue;
        }
        const agentId = await assign(tx, workspaceId, candidate.id, now, BEST, [workspaceId, queueId, candidate.required_skills]);
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

/** The member agent of the queue who is ONLINE, has every required skill and spare capacity, least loaded first, then idle longest. */
const BEST = `select a.id from agent a join agent_queue aq on aq.workspace_id = a.workspace_id and aq.agent_id = a.id
  where a.workspace_id = ? and aq.queue_id = ? and a.status = 'ONLINE' and a.active_count < a.max_concurrent and a.skills @> ?::text[]
  order by a.active_count, a.last_assigned_at asc nulls first, a.id`;

/** The customer's owner, if ONLINE with spare capacity (in whichever queues they serve). */
const OWNER = `select a.id from agent a where a.workspace_id = ? and a.id = ? and a.status = 'ONLINE' and a.active_count < a.max_concurrent`;

/** Gives the conversation to the first agent `pick` selects, locked SKIP LOCKED, whose load rises in the same statement. */
async function assign(tx: EntityManager, workspaceId: string, conversationId: string, now: Date, pick: string, pickParams: unknown[]): Promise<string | null> {
  const [row] = await sql<{ agent_id: string }>(
    tx,
    `with best as (${pick} limit 1 for update of a skip locked),
     taken as (
       update agent set active_count = agent.active_count + 1, last_assigned_at = ? from best where agent.id = best.id returning agent.id
     )
     update conversation c set status = 'ASSIGNED', assignee_id = taken.id, assigned_at = ?, updated_at = ? from taken
     where c.workspace_id = ? and c.id = ? returning taken.id as agent_id`,
    [...pickParams, now, now, now, workspaceId, conversationId],
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
