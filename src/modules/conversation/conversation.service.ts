import { escalateForSentiment } from './escalation.service';
import { NO_TONE, toneOf } from './sentiment.rules';
import { countContact } from '../care/care-task.service';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../context';
import { isUuid, uuidv7 } from '../../db/ids';
import { sql, withRetries } from '../../db/sql';
import { Outbox } from '../../events/outbox';
import type { Viewer } from '../../graphql/auth';
import { countLater, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { AuthorKind, ConversationStatus, IngestKind, MessageDirection, Priority, QueueChange, SlaState, type ValueTier } from '../../graphql/enums';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import type { IngestEventInput } from '../ingestion/ingestion.input';
import { ingestWithin } from '../ingestion/ingestion.service';
import { liveCustomerId } from '../customer/privacy.service';
import { botTurn } from './conversation-bot.service';
import { reevaluate, type Transition } from '../lifecycle/lifecycle.service';
import { cleanSkills, pickQueue, policyOfQueue, requireIds } from '../queue/queue.service';
import { announceAssignments, rankOf, route, routeUnderLock } from '../queue/routing.service';
import { dueTimes, reached } from '../queue/sla.rules';
import { recordAuditVia } from '../workspace/audit.service';
import { logger } from '../../telemetry/logger';
import { greetingFor } from '../template/template.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { Conversation } from './conversation.entity';
import type { OpenConversationInput, PostMessageInput } from './conversation.input';
import { insertMessage, lockConversation } from './conversation.sql';
import { checkBody, checkStep, isComplaintTopic, optionalText, statusAfterMessage } from './conversation.rules';
import { IngestionErrors } from '../ingestion/ingestion.errors';
import { QueueErrors } from '../queue/queue.errors';
import { ConversationErrors } from './conversation.errors';

/** Who acts, in which workspace with which rules, and when. */
export interface ConversationScope {
  viewer: Viewer;
  settings: WorkspaceSettings;
  now: Date;
}

/** What a committed write leaves to publish. */
export interface Written {
  conversationId: string;
  messageId?: string;
  outbox: Outbox;
  transitions: Transition[];
}

/**
 * Opens a conversation in one transaction: the customer resolved by id, or by identifiers exactly
 * as ingestion does it (creating or merging, recorded as a `conversation_opened` event on the
 * channel); a queue (the one named, or by channel and skills) and its SLA due times; the first
 * message; then routing.
 */
export async function openConversation(em: EntityManager, scope: ConversationScope, input: OpenConversationInput): Promise<Written> {
  const { viewer, now } = scope;
  const ws = viewer.workspaceId;
  if (Boolean(input.customerId) === Boolean(input.identifiers?.length)) throw ConversationErrors.customerOrIdentifiers();
  const body = checkBody(input.body);
  const subject = optionalText(input.subject, 'subject', 500);
  const topic = optionalText(input.topic, 'topic', 200);
  const skills = cleanSkills(input.requiredSkills, 'requiredSkills');
  const priority = input.priority ?? Priority.NORMAL;
  if (input.queueId && !isUuid(input.queueId)) throw QueueErrors.queueNotFound(input.queueId);
  const { written, waiting } = await withRetries(em, async (tx) => {
    const outbox = new Outbox();
    const id = uuidv7();
    const { customerId, transitions, auditEntryIds } = await customerFor(tx, scope, input, id);
    // merges made while finding the customer are audited by ingestion; published once this commits
    for (const entryId of auditEntryIds) outbox.add('AUDIT_ENTRY_ADDED', { ws, entryId });
    const [{ value_tier: tier, complaining }] = await sql<{ value_tier: ValueTier; complaining: boolean }>(
      tx,
      `select c.value_tier, exists (select 1 from feedback_item f where f.workspace_id = c.workspace_id and f.customer_id = c.id and f.category = 'COMPLAINT'
         and f.status not in ('RESOLVED', 'VERIFIED', 'CLOSED')) complaining
       from customer c where c.workspace_id = ? and c.id = ?`,
      [ws, customerId],
    );
    if (input.queueId) await requireIds(tx, ws, 'queue', [input.queueId]);
    const queueId = input.queueId ?? (await pickQueue(tx, ws, input.channel, skills));
    const policy = await policyOfQueue(tx, ws, queueId);
    const first = policy && dueTimes(now, policy.first_response_seconds, policy.warn_at);
    const resolution = policy && dueTimes(now, policy.resolution_seconds, policy.warn_at);
    const sla = policy ? SlaState.OK : null;
    await sql(
      tx,
      `insert into conversation (id, workspace_id, customer_id, channel, channels_used, subject, topic, status, priority, rank, queue_id, required_skills, enqueued_at,
         first_response_due_at, first_response_warn_at, first_response_sla, resolution_due_at, resolution_warn_at, resolution_sla, created_at, updated_at)
       values (?, ?, ?, ?, ?::text[], ?, ?, 'QUEUED', ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        ws,
        customerId,
        input.channel,
        [input.channel],
        subject,
        topic,
        priority,
        rankOf(priority, tier, complaining || isComplaintTopic(topic)),
        queueId,
        skills,
        now,
        first?.dueAt ?? null,
        first?.warnAt ?? null,
        sla,
        resolution?.dueAt ?? null,
        resolution?.warnAt ?? null,
        sla,
        now,
        now,
      ],
    );
    const messageId = await insertMessage(tx, ws, {
      conversationId: id,
      customerId,
      direction: MessageDirection.INBOUND,
      channel: input.channel,
      author: AuthorKind.CUSTOMER,
      agentId: null,
      body,
      at: now,
      tone: toneOf(AuthorKind.CUSTOMER, body, scope.settings),
    });
    const at = now.toISOString();
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: id, kind: 'OPENED', messageId, at });
    const greeting = scope.settings.autoGreeting ? await greetingFor(tx, input.channel, customerId) : null;
    if (greeting) {
      const greetingId = await insertMessage(tx, ws, {
        conversationId: id,
        customerId,
        direction: MessageDirection.OUTBOUND,
        channel: input.channel,
        author: AuthorKind.SYSTEM,
        agentId: null,
        body: greeting,
        at: now,
        tone: NO_TONE,
      });
      outbox.add('CONVERSATION_UPDATED', { ws, conversationId: id, kind: 'MESSAGE', messageId: greetingId, at });
    }
    if (queueId) outbox.add('QUEUE_UPDATED', { ws, queueId, change: QueueChange.ENQUEUED, conversationId: id, at });
    await botTurn(
      tx,
      ws,
      scope.settings,
      { id, customer_id: customerId, channel: input.channel, queue_id: queueId, resolution_sla: sla, resolution_due_at: resolution?.dueAt ?? null },
      body,
      now,
      outbox,
    );
    // Without the routing lock, which would make every opening in the workspace wait for the one
    // before it to commit: agents and conversations are taken FOR UPDATE SKIP LOCKED, so capacity
    // still holds. One that finds no agent is routed again under the lock once this commits, when
    // capacity freed meanwhile by a transaction that could not see it is visible.
    const assignments = await route(tx, ws, [queueId], now);
    announceAssignments(outbox, ws, assignments, now);
    const routed = assignments.some((assignment) => assignment.conversationId === id);
    return { written: { conversationId: id, messageId, outbox, transitions }, waiting: queueId && !routed ? queueId : null };
  });
  if (waiting) announceAssignments(written.outbox, ws, await routeAfterOpening(em, ws, waiting, now), now);
  return written;
}

/** The conversation is open whatever this finds; a failure leaves it to the SLA sweep's routing. */
const routeAfterOpening = (em: EntityManager, ws: string, queueId: string, now: Date) =>
  routeUnderLock(em, ws, [queueId], now).catch((error: unknown) => {
    logger.warn({ err: error, queueId }, 'routing after an opening failed; the SLA sweep routes what waits');
    return [];
  });

async function customerFor(
  tx: EntityManager,
  { viewer, settings, now }: ConversationScope,
  input: OpenConversationInput,
  conversationId: string,
): Promise<{ customerId: string; transitions: Transition[]; auditEntryIds: string[] }> {
  if (input.customerId) return { customerId: await liveCustomerId(tx, viewer.workspaceId, input.customerId), transitions: [], auditEntryIds: [] };
  const item = {
    messageId: `conversation:${conversationId}`,
    kind: IngestKind.TRACK,
    event: 'conversation_opened',
    identifiers: input.identifiers!,
    channel: input.channel,
    properties: { conversationId },
    occurredAt: now,
    source: 'conversation',
  } as IngestEventInput;
  const result = await ingestWithin(tx, { workspaceId: viewer.workspaceId, settings, now, actorKeyId: viewer.keyId }, [item]);
  const [error] = result.errors;
  if (error) throw IngestionErrors.itemRefused(error, 'identifiers');
  return { customerId: result.customerOf.get(0)!, transitions: result.transitions, auditEntryIds: result.auditEntryIds };
}

/**
 * Adds a message in one transaction. An agent's first OUTBOUND message is the first response (MET
 * when on time); an agent's reply waits on the customer, the customer's answer goes back to the
 * agent; an INBOUND message is contact from the customer for the lifecycle, an agent's message a
 * contact for the customer's care cadence. Every message posted is
 * audited (`conversation.message_posted`, by the posting key, an INGEST key's inbound ones too),
 * with ids and kinds but never the body.
 */
export async function postMessage(em: EntityManager, scope: ConversationScope, input: PostMessageInput): Promise<Written> {
  const { viewer, settings, now } = scope;
  const ws = viewer.workspaceId;
  const body = checkBody(input.body);
  const inbound = input.direction === MessageDirection.INBOUND;
  if (inbound !== (input.author === AuthorKind.CUSTOMER)) throw ConversationErrors.authorMismatch();
  if (input.agentId && input.author !== AuthorKind.AGENT) throw ConversationErrors.agentIdWithoutAgent();
  return withRetries(em, async (tx) => {
    const outbox = new Outbox();
    const conversation = await lockConversation(tx, ws, input.conversationId);
    checkStep(conversation.status, 'post');
    if (input.agentId) await requireIds(tx, ws, 'agent', [input.agentId]);
    const agentId = input.author === AuthorKind.AGENT ? (input.agentId ?? conversation.assignee_id) : null;
    if (input.author === AuthorKind.AGENT && !agentId) throw ConversationErrors.agentMessageNeedsAgent();
    const channel = input.channel ?? conversation.channel;
    const tone = toneOf(input.author, body, settings);
    const messageId = await insertMessage(tx, ws, {
      conversationId: conversation.id,
      customerId: conversation.customer_id,
      direction: input.direction,
      channel,
      author: input.author,
      agentId,
      body,
      at: now,
      tone,
    });
    const firstResponse = input.author === AuthorKind.AGENT && !conversation.first_response_at;
    await sql(
      tx,
      `update conversation set status = ?, channels_used = case when ?::text = any(channels_used) then channels_used else channels_used || ?::text end,
         first_response_at = case when ?::boolean then ?::timestamptz else first_response_at end, first_response_sla = ?, updated_at = ?
       where workspace_id = ? and id = ?`,
      [
        statusAfterMessage(conversation.status, input.author === AuthorKind.AGENT, inbound),
        channel,
        channel,
        firstResponse,
        now,
        firstResponse ? reached(conversation.first_response_sla, conversation.first_response_due_at, now) : conversation.first_response_sla,
        now,
        ws,
        conversation.id,
      ],
    );
    if (input.author === AuthorKind.AGENT) await countContact(tx, ws, conversation.customer_id, channel, agentId, settings.contactCadences, now);
    let transitions: Transition[] = [];
    if (inbound) {
      const customerId = await liveCustomerId(tx, ws, conversation.customer_id);
      await sql(
        tx,
        `update customer set last_inbound_at = greatest(last_inbound_at, ?), last_seen_at = greatest(last_seen_at, ?) where workspace_id = ? and id = ?`,
        [now, now, ws, customerId],
      );
      transitions = await reevaluate(tx, ws, settings, now, [customerId]);
    }
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'MESSAGE', messageId, at: now.toISOString() });
    const upset = tone.sentiment !== null && tone.sentiment < settings.negativeSentimentThreshold && conversation.status === ConversationStatus.QUEUED;
    if (upset && (await escalateForSentiment(tx, ws, conversation, now)))
      outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'ESCALATED', messageId, at: now.toISOString() });
    recordAuditVia(outbox, tx, ws, viewer.keyId, {
      action: 'conversation.message_posted',
      subjectType: 'Conversation',
      subjectId: conversation.id,
      details: { messageId, direction: input.direction, author: input.author, agentId, channel },
    });
    if (inbound && conversation.status === ConversationStatus.QUEUED) await botTurn(tx, ws, settings, conversation, body, now, outbox);
    return { conversationId: conversation.id, messageId, outbox, transitions };
  });
}

export interface ConversationFilter {
  status?: ConversationStatus | null;
  queueId?: string | null;
  assigneeId?: string | null;
}

/** The workspace's conversations, newest first, filtered, in keyset pages, with the total that matches. */
export async function listConversations(
  ctx: Context,
  args: ConversationFilter & { first?: number | null; after?: string | null },
): Promise<Connection<Conversation>> {
  const page = parsePage(args.first, args.after, isKeyset('time'));
  const after = page.after;
  const where = ['workspace_id = ?'];
  const params: unknown[] = [ctx.viewer.workspaceId];
  for (const [column, value] of [
    ['queue_id', args.queueId],
    ['assignee_id', args.assigneeId],
  ] as const) {
    if (!value) continue;
    if (!isUuid(value)) return toConnection([], page, () => null, 0);
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (args.status) {
    where.push('status = ?');
    params.push(args.status);
  }
  const total = countLater(ctx.em, 'conversation', where, params);
  if (after) {
    where.push('(created_at, id) < (?::timestamptz, ?::uuid)');
    params.push(...after);
  }
  const rows = await sql<Record<string, unknown> & { sort_key: string }>(
    ctx.em,
    `select *, ${keyText('created_at', 'time')} sort_key from conversation where ${where.join(' and ')} order by created_at desc, id desc limit ?`,
    [...params, page.first + 1],
  );
  const keys = new Map<Conversation, Keyset>();
  const nodes = rows.map(({ sort_key, ...row }) => {
    const node = ctx.em.map(Conversation, row);
    keys.set(node, [sort_key, node.id]);
    return node;
  });
  return toConnection(nodes, page, (node) => keys.get(node), total);
}
