import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { sql, withRetries } from '../../db/sql';
import { Outbox } from '../../events/outbox';
import { ConversationStatus, QueueChange, SlaState } from '../../graphql/enums';
import { pickQueue, policyOfQueue, queueTakes, requireIds } from '../queue/queue.service';
import { announceAssignments, lockRouting, queuesOfAgent, releaseAgent, route } from '../queue/routing.service';
import { dueTimes, reached } from '../queue/sla.rules';
import { recordAuditVia } from '../workspace/audit.service';
import { conversationResolved } from '../care/care-task.service';
import type { TransferInput } from './conversation.input';
import { lockAgent, lockConversation, takeAgent } from './conversation.sql';
import { checkReason, checkStep, optionalText } from './conversation.rules';
import { raisePriority, recordEscalations } from './escalation.service';
import type { ConversationScope, Written } from './conversation.service';

/** Who acts and when (the flow steps need no workspace settings). */
export type Actor = Pick<ConversationScope, 'viewer' | 'now'>;
import { ConversationErrors } from './conversation.errors';

/** Records the step's audit entry on the conversation, by the acting key, published with the outbox once committed. */
type Audit = (action: string, conversationId: string, details: Record<string, unknown>) => void;
type Work = (tx: EntityManager, outbox: Outbox, ws: string, now: Date, audit: Audit) => Promise<string>;

/**
 * Runs one step in one transaction holding the workspace's routing lock; the outbox is published by
 * the caller once committed. A step that changes something records one audit entry through `audit`.
 */
const inTransaction = (em: EntityManager, { viewer, now }: Actor, work: Work): Promise<Written> =>
  withRetries(em, async (tx) => {
    const outbox = new Outbox();
    const audit: Audit = (action, conversationId, details) =>
      recordAuditVia(outbox, tx, viewer.workspaceId, viewer.keyId, { action, subjectType: 'Conversation', subjectId: conversationId, details });
    await lockRouting(tx, viewer.workspaceId);
    const conversationId = await work(tx, outbox, viewer.workspaceId, now, audit);
    return { conversationId, outbox, transitions: [] };
  });

/** Routes the queues of an agent who just had a slot freed. */
async function refill(tx: EntityManager, outbox: Outbox, ws: string, agentId: string | null, now: Date, also: (string | null)[] = []): Promise<void> {
  const queues = agentId ? await queuesOfAgent(tx, ws, agentId) : [];
  announceAssignments(outbox, ws, await route(tx, ws, [...also, ...queues], now), now);
}

/** Gives a conversation to a named agent (skills and capacity still hold); the previous agent's slot is freed. */
export function assignConversation(em: EntityManager, scope: Actor, conversationId: string, agentId: string): Promise<Written> {
  return inTransaction(em, scope, async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, conversationId);
    checkStep(conversation.status, 'assign');
    const agent = await lockAgent(tx, ws, agentId);
    if (conversation.assignee_id === agent.id) return conversation.id;
    await takeAgent(tx, ws, agent, conversation.required_skills, now);
    await releaseAgent(tx, ws, conversation.assignee_id);
    const status = conversation.status === ConversationStatus.WAITING_ON_CUSTOMER ? conversation.status : ConversationStatus.ASSIGNED;
    await sql(tx, `update conversation set status = ?, assignee_id = ?, assigned_at = ?, updated_at = ? where workspace_id = ? and id = ?`, [
      status,
      agent.id,
      now,
      now,
      ws,
      conversation.id,
    ]);
    announceAssignments(outbox, ws, [{ conversationId: conversation.id, agentId: agent.id, queueId: conversation.queue_id }], now);
    audit('conversation.assigned', conversation.id, { agentId: agent.id, previousAgentId: conversation.assignee_id, queueId: conversation.queue_id });
    await refill(tx, outbox, ws, conversation.assignee_id, now);
    return conversation.id;
  });
}

/**
 * Moves a conversation to another queue, agent or channel, keeping every message. A new channel
 * not taken by the current queue picks a queue that takes it; a new queue without a named agent
 * puts the conversation back in line there and routes it.
 */
export function transferConversation(em: EntityManager, scope: Actor, input: TransferInput): Promise<Written> {
  if (!input.toQueueId && !input.toAgentId && !input.toChannel) throw ConversationErrors.transferNamesNothing();
  return inTransaction(em, scope, transferring(input, optionalText(input.note, 'note', 2000)));
}

/** The work of a transfer, for {@link transferConversation} and an escalation that moves the conversation. */
function transferring(input: TransferInput, note: string | null): Work {
  return async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, input.conversationId);
    checkStep(conversation.status, 'transfer');
    if (input.toQueueId) await requireIds(tx, ws, 'queue', [input.toQueueId]);
    const agent = input.toAgentId ? await lockAgent(tx, ws, input.toAgentId) : null;
    const channel = input.toChannel ?? conversation.channel;
    let queueId = input.toQueueId ?? conversation.queue_id;
    if (!input.toQueueId && channel !== conversation.channel && !(queueId && (await queueTakes(tx, ws, queueId, channel)))) {
      queueId = (await pickQueue(tx, ws, channel, conversation.required_skills)) ?? queueId;
    }
    const queueChanged = queueId !== conversation.queue_id;
    if (!queueChanged && channel === conversation.channel && (!agent || agent.id === conversation.assignee_id))
      throw ConversationErrors.transferChangesNothing();

    let { status, assignee_id: assigneeId } = conversation;
    let released: string | null = null;
    if (agent && agent.id !== conversation.assignee_id) {
      await takeAgent(tx, ws, agent, conversation.required_skills, now);
      released = conversation.assignee_id;
      [status, assigneeId] = [ConversationStatus.ASSIGNED, agent.id];
    } else if (queueChanged && !agent) {
      released = conversation.assignee_id;
      [status, assigneeId] = [ConversationStatus.QUEUED, null];
    }
    await releaseAgent(tx, ws, released);
    const policy = !conversation.first_response_sla && queueChanged ? await policyOfQueue(tx, ws, queueId) : null;
    const first = policy && dueTimes(conversation.created_at, policy.first_response_seconds, policy.warn_at);
    const resolution = policy && dueTimes(conversation.created_at, policy.resolution_seconds, policy.warn_at);
    await sql(
      tx,
      `update conversation set channel = ?, channels_used = case when ?::text = any(channels_used) then channels_used else channels_used || ?::text end,
         queue_id = ?, assignee_id = ?, status = ?, enqueued_at = case when ?::text = 'QUEUED' then ?::timestamptz else enqueued_at end,
         assigned_at = case when ?::boolean then ?::timestamptz else assigned_at end, updated_at = ?,
         first_response_due_at = coalesce(first_response_due_at, ?::timestamptz), first_response_warn_at = coalesce(first_response_warn_at, ?::timestamptz), first_response_sla = coalesce(first_response_sla, ?::text),
         resolution_due_at = coalesce(resolution_due_at, ?::timestamptz), resolution_warn_at = coalesce(resolution_warn_at, ?::timestamptz), resolution_sla = coalesce(resolution_sla, ?::text)
       where workspace_id = ? and id = ?`,
      [
        channel,
        channel,
        channel,
        queueId,
        assigneeId,
        status,
        status,
        now,
        Boolean(agent),
        now,
        now,
        first?.dueAt ?? null,
        first?.warnAt ?? null,
        policy ? SlaState.OK : null,
        resolution?.dueAt ?? null,
        resolution?.warnAt ?? null,
        policy ? SlaState.OK : null,
        ws,
        conversation.id,
      ],
    );
    const transferId = uuidv7();
    await sql(
      tx,
      `insert into conversation_transfer (id, workspace_id, conversation_id, from_queue_id, to_queue_id, from_agent_id, to_agent_id, from_channel, to_channel, note, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [transferId, ws, conversation.id, conversation.queue_id, queueId, conversation.assignee_id, assigneeId, conversation.channel, channel, note, now],
    );
    // the note is free text and may hold contact details: it stays on the transfer, out of the audit log
    audit('conversation.transferred', conversation.id, {
      transferId,
      fromQueueId: conversation.queue_id,
      toQueueId: queueId,
      fromAgentId: conversation.assignee_id,
      toAgentId: assigneeId,
      fromChannel: conversation.channel,
      toChannel: channel,
    });
    const at = now.toISOString();
    for (const queue of new Set([conversation.queue_id, queueId]))
      if (queue) outbox.add('QUEUE_UPDATED', { ws, queueId: queue, change: QueueChange.TRANSFERRED, conversationId: conversation.id, at });
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'TRANSFERRED', messageId: null, at });
    if (agent && agent.id !== conversation.assignee_id) announceAssignments(outbox, ws, [{ conversationId: conversation.id, agentId: agent.id, queueId }], now);
    await refill(tx, outbox, ws, released, now, [queueId]);
    return conversation.id;
  };
}

/**
 * Escalates (升级): the priority one step up (URGENT stays), recorded with the reason and audited,
 * then, with `toQueueId`, a transfer there; the conversation's queue is routed again either way.
 */
export function escalateConversation(
  em: EntityManager,
  scope: Actor,
  input: { conversationId: string; reason: string; toQueueId?: string | null },
): Promise<Written> {
  const reason = checkReason(input.reason);
  return inTransaction(em, scope, async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, input.conversationId);
    checkStep(conversation.status, 'escalate');
    if (input.toQueueId) await requireIds(tx, ws, 'queue', [input.toQueueId]);
    const moving = Boolean(input.toQueueId) && input.toQueueId !== conversation.queue_id;
    const [raised] = await raisePriority(tx, ws, [conversation.id], now);
    await recordEscalations(
      tx,
      ws,
      [{ ...raised, reason, fromQueueId: conversation.queue_id, toQueueId: moving ? input.toQueueId! : conversation.queue_id, automatic: false }],
      scope.viewer.keyId,
      now,
    );
    audit('conversation.escalated', conversation.id, { fromPriority: raised.fromPriority, toPriority: raised.toPriority, toQueueId: input.toQueueId ?? null });
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'ESCALATED', messageId: null, at: now.toISOString() });
    if (moving) return transferring({ conversationId: conversation.id, toQueueId: input.toQueueId! }, null)(tx, outbox, ws, now, audit);
    await refill(tx, outbox, ws, null, now, [conversation.queue_id]);
    return conversation.id;
  });
}

/**
 * Resolves: the targets still running are MET when on time; the agent's slot goes to the next in
 * line; CONVERSATION_RESOLVED playbooks and the sampled follow-up make their care tasks.
 */
export function resolveConversation(em: EntityManager, scope: ConversationScope, conversationId: string, note: string | null | undefined): Promise<Written> {
  const resolutionNote = optionalText(note, 'note', 2000);
  return inTransaction(em, scope, async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, conversationId);
    checkStep(conversation.status, 'resolve');
    await releaseAgent(tx, ws, conversation.assignee_id);
    await sql(
      tx,
      `update conversation set status = 'RESOLVED', resolved_at = ?, resolution_note = ?, first_response_sla = ?, resolution_sla = ?, updated_at = ? where workspace_id = ? and id = ?`,
      [
        now,
        resolutionNote,
        conversation.first_response_at ? conversation.first_response_sla : reached(conversation.first_response_sla, conversation.first_response_due_at, now),
        reached(conversation.resolution_sla, conversation.resolution_due_at, now),
        now,
        ws,
        conversation.id,
      ],
    );
    const at = now.toISOString();
    if (conversation.queue_id)
      outbox.add('QUEUE_UPDATED', { ws, queueId: conversation.queue_id, change: QueueChange.RESOLVED, conversationId: conversation.id, at });
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'STATUS', messageId: null, at });
    audit('conversation.resolved', conversation.id, {
      from: conversation.status,
      assigneeId: conversation.assignee_id,
      queueId: conversation.queue_id,
      withNote: resolutionNote !== null,
    });
    await conversationResolved(tx, ws, conversation.id, conversation.customer_id, scope.settings.followUpSampleRate, now);
    await refill(tx, outbox, ws, conversation.assignee_id, now);
    return conversation.id;
  });
}

/** Puts a RESOLVED conversation back in line; its resolution target starts again. */
export function reopenConversation(em: EntityManager, scope: Actor, conversationId: string): Promise<Written> {
  return inTransaction(em, scope, async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, conversationId);
    checkStep(conversation.status, 'reopen');
    const policy = await policyOfQueue(tx, ws, conversation.queue_id);
    const resolution = policy && dueTimes(now, policy.resolution_seconds, policy.warn_at);
    await sql(
      tx,
      `update conversation set status = 'QUEUED', assignee_id = null, enqueued_at = ?, resolved_at = null, reopen_count = reopen_count + 1, resolution_due_at = ?, resolution_warn_at = ?, resolution_sla = ?, updated_at = ?
       where workspace_id = ? and id = ?`,
      [now, resolution?.dueAt ?? null, resolution?.warnAt ?? null, policy ? SlaState.OK : null, now, ws, conversation.id],
    );
    const at = now.toISOString();
    if (conversation.queue_id)
      outbox.add('QUEUE_UPDATED', { ws, queueId: conversation.queue_id, change: QueueChange.ENQUEUED, conversationId: conversation.id, at });
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'STATUS', messageId: null, at });
    audit('conversation.reopened', conversation.id, { from: conversation.status, queueId: conversation.queue_id });
    await refill(tx, outbox, ws, null, now, [conversation.queue_id]);
    return conversation.id;
  });
}

/** Closes a RESOLVED conversation for good: no more messages, no reopening. */
export function closeConversation(em: EntityManager, scope: Actor, conversationId: string): Promise<Written> {
  return inTransaction(em, scope, async (tx, outbox, ws, now, audit) => {
    const conversation = await lockConversation(tx, ws, conversationId);
    checkStep(conversation.status, 'close');
    await sql(tx, `update conversation set status = 'CLOSED', closed_at = ?, updated_at = ? where workspace_id = ? and id = ?`, [
      now,
      now,
      ws,
      conversation.id,
    ]);
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'STATUS', messageId: null, at: now.toISOString() });
    audit('conversation.closed', conversation.id, { from: conversation.status });
    return conversation.id;
  });
}
