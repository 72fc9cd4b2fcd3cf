import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { sql, withRetries } from '../../db/sql';
import { Outbox } from '../../events/outbox';
import type { AppError } from '../../errors';
import { AgentStatus, QueueChange, type Channel } from '../../graphql/enums';
import { Agent } from './agent.entity';
import type { CreateAgentInput, CreateQueueInput, CreateSlaPolicyInput, UpdateAgentInput } from './queue.input';
import { handOffCustomers } from '../care/care.service';
import { Queue } from './queue.entity';
import { announceAssignments, lockRouting, queuesOfAgent, route } from './routing.service';
import { slaProblem } from './sla.rules';
import { SlaPolicy } from './sla-policy.entity';
import { QueueErrors } from './queue.errors';

const DEFAULT_WARN_AT = 0.8;

/** A name of 1 to 200 characters, trimmed. */
export function cleanName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw QueueErrors.nameLength(field);
  return trimmed;
}

/** Skills trimmed, lower-cased, unique and sorted; at most 50 of 1 to 64 characters. */
export function cleanSkills(skills: string[] | null | undefined, field = 'skills'): string[] {
  const clean = [...new Set((skills ?? []).map((skill) => skill.trim().toLowerCase()))].sort();
  if (clean.length > 50 || clean.some((skill) => !skill || skill.length > 64)) throw QueueErrors.skillsInvalid(field);
  return clean;
}

/** Runs an insert; a unique name already taken is CONFLICT. */
async function named<T>(taken: () => AppError, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw taken();
    throw error;
  }
}

const NOT_FOUND = { queue: QueueErrors.queueNotFound, agent: QueueErrors.agentNotFound, sla_policy: QueueErrors.slaPolicyNotFound };

/** Rows of `table` with these ids in the workspace, or NOT_FOUND naming the first missing one. */
export async function requireIds(em: EntityManager, workspaceId: string, table: keyof typeof NOT_FOUND, ids: string[]): Promise<void> {
  const bad = ids.find((id) => !isUuid(id));
  if (bad) throw NOT_FOUND[table](bad);
  const rows = await sql<{ id: string }>(em, `select id from ${table} where workspace_id = ? and id = any(?::uuid[])`, [workspaceId, ids]);
  const found = new Set(rows.map((row) => row.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw NOT_FOUND[table](missing);
}

export async function createSlaPolicy(em: EntityManager, workspaceId: string, input: CreateSlaPolicyInput, now: Date): Promise<SlaPolicy> {
  const name = cleanName(input.name);
  const targets = { firstResponseSeconds: input.firstResponseSeconds, resolutionSeconds: input.resolutionSeconds, warnAt: input.warnAt ?? DEFAULT_WARN_AT };
  const problem = slaProblem(targets);
  if (problem) throw QueueErrors.slaTargetsInvalid(problem);
  return named(
    () => QueueErrors.slaPolicyNameTaken(name),
    () =>
      em.fork().transactional(async (tx) => {
        const policy = tx.create(SlaPolicy, { workspace: workspaceId, name, ...targets, escalateOnBreach: input.escalateOnBreach ?? false, createdAt: now });
        await tx.flush();
        return policy;
      }),
  );
}

export async function createQueue(em: EntityManager, workspaceId: string, input: CreateQueueInput, now: Date): Promise<Queue> {
  const name = cleanName(input.name);
  const channels = [...new Set(input.channels)];
  if (!channels.length) throw QueueErrors.queueNeedsChannel();
  const skills = cleanSkills(input.skills);
  return named(
    () => QueueErrors.queueNameTaken(name),
    () =>
      em.fork().transactional(async (tx) => {
        if (input.slaPolicyId) await requireIds(tx, workspaceId, 'sla_policy', [input.slaPolicyId]);
        const queue = tx.create(Queue, { workspace: workspaceId, name, channels, skills, slaPolicyId: input.slaPolicyId ?? null, createdAt: now });
        await tx.flush();
        return queue;
      }),
  );
}

/** Conversations an agent may hold at once: 1 to 100. */
function checkCapacity(maxConcurrent: number): void {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 100) throw QueueErrors.agentCapacityRange();
}

export async function createAgent(em: EntityManager, workspaceId: string, input: CreateAgentInput, now: Date): Promise<Agent> {
  const name = cleanName(input.name);
  const email = input.email?.trim().toLowerCase() || null;
  if (email && (email.length > 320 || !/^[^@\s]+@[^@\s]+$/.test(email))) throw QueueErrors.agentEmailInvalid();
  const skills = cleanSkills(input.skills);
  checkCapacity(input.maxConcurrent);
  const queueIds = [...new Set(input.queueIds ?? [])];
  return em.fork().transactional(async (tx) => {
    await requireIds(tx, workspaceId, 'queue', queueIds);
    const agent = tx.create(Agent, {
      workspace: workspaceId,
      name,
      email,
      skills,
      maxConcurrent: input.maxConcurrent,
      dedicated: input.dedicated ?? false,
      statusChangedAt: now,
      createdAt: now,
    });
    await tx.flush();
    if (queueIds.length)
      await sql(tx, `insert into agent_queue (agent_id, queue_id, workspace_id) select ?, q, ? from unnest(?::uuid[]) q`, [agent.id, workspaceId, queueIds]);
    return agent;
  });
}

/**
 * Changes an agent's name, capacity or dedication in one transaction holding the routing lock; one
 * no longer dedicated hands its customers on, and the agent's queues are routed again (capacity
 * may have grown).
 */
export async function updateAgent(em: EntityManager, workspaceId: string, agentId: string, input: UpdateAgentInput, now: Date): Promise<{ outbox: Outbox }> {
  const name = input.name == null ? undefined : cleanName(input.name);
  if (input.maxConcurrent != null) checkCapacity(input.maxConcurrent);
  return withRetries(em, async (tx) => {
    const outbox = new Outbox();
    await lockRouting(tx, workspaceId);
    const [agent] = isUuid(agentId)
      ? await sql<{ dedicated: boolean }>(tx, `select dedicated from agent where workspace_id = ? and id = ? for update`, [workspaceId, agentId])
      : [];
    if (!agent) throw QueueErrors.agentNotFound(agentId);
    await sql(
      tx,
      `update agent set name = coalesce(?, name), max_concurrent = coalesce(?, max_concurrent), dedicated = coalesce(?, dedicated) where workspace_id = ? and id = ?`,
      [name ?? null, input.maxConcurrent ?? null, input.dedicated ?? null, workspaceId, agentId],
    );
    if (agent.dedicated && input.dedicated === false) await handOffCustomers(tx, workspaceId, agentId);
    announceAssignments(outbox, workspaceId, await route(tx, workspaceId, await queuesOfAgent(tx, workspaceId, agentId), now), now);
    return { outbox };
  });
}

/**
 * Sets an agent's status in one transaction; an agent coming ONLINE is routed work at once. Every
 * queue of the agent hears of it (STATS, and ASSIGNED for what routing gave out).
 */
export async function setAgentStatus(em: EntityManager, workspaceId: string, agentId: string, status: AgentStatus, now: Date): Promise<{ outbox: Outbox }> {
  if (!isUuid(agentId)) throw QueueErrors.agentNotFound(agentId);
  return withRetries(em, async (tx) => {
    const outbox = new Outbox();
    await lockRouting(tx, workspaceId);
    const [agent] = await sql<{ status: AgentStatus }>(tx, `select status from agent where workspace_id = ? and id = ? for update`, [workspaceId, agentId]);
    if (!agent) throw QueueErrors.agentNotFound(agentId);
    const queueIds = await queuesOfAgent(tx, workspaceId, agentId);
    if (agent.status !== status) {
      await sql(tx, `update agent set status = ?, status_changed_at = ? where workspace_id = ? and id = ?`, [status, now, workspaceId, agentId]);
      for (const queueId of queueIds)
        outbox.add('QUEUE_UPDATED', { ws: workspaceId, queueId, change: QueueChange.STATS, conversationId: null, at: now.toISOString() });
    }
    if (status === AgentStatus.ONLINE) announceAssignments(outbox, workspaceId, await route(tx, workspaceId, queueIds, now), now);
    return { outbox };
  });
}

/**
 * The queue a conversation goes to when none is named: one taking its channel, preferring one whose
 * skills cover the required skills, then the most overlap, then the least specialised, then the oldest.
 */
export async function pickQueue(tx: EntityManager, workspaceId: string, channel: Channel, skills: string[]): Promise<string | null> {
  const [row] = await sql<{ id: string }>(
    tx,
    `select id from queue where workspace_id = ? and ? = any(channels)
     order by skills @> ?::text[] desc, cardinality(array(select unnest(skills) intersect select unnest(?::text[]))) desc, cardinality(skills), created_at, id
     limit 1`,
    [workspaceId, channel, skills, skills],
  );
  return row?.id ?? null;
}

/** Whether a queue takes a channel. */
export async function queueTakes(tx: EntityManager, workspaceId: string, queueId: string, channel: Channel): Promise<boolean> {
  const [row] = await sql<{ takes: boolean }>(tx, `select ? = any(channels) takes from queue where workspace_id = ? and id = ?`, [
    channel,
    workspaceId,
    queueId,
  ]);
  return Boolean(row?.takes);
}

/** The SLA policy of a queue, if it has one. */
export async function policyOfQueue(
  tx: EntityManager,
  workspaceId: string,
  queueId: string | null,
): Promise<{ first_response_seconds: number; resolution_seconds: number; warn_at: number } | null> {
  if (!queueId) return null;
  const [row] = await sql<{ first_response_seconds: number; resolution_seconds: number; warn_at: number }>(
    tx,
    `select p.first_response_seconds, p.resolution_seconds, p.warn_at from queue q join sla_policy p on p.workspace_id = q.workspace_id and p.id = q.sla_policy_id where q.workspace_id = ? and q.id = ?`,
    [workspaceId, queueId],
  );
  return row ?? null;
}
