import type { Tone } from './sentiment.rules';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid, uuidv7 } from '../../db/ids';
import { sql } from '../../db/sql';
import type { AuthorKind, Channel, ConversationStatus, MessageDirection, SlaState } from '../../graphql/enums';
import { QueueErrors } from '../queue/queue.errors';
import { ConversationErrors } from './conversation.errors';

/** A conversation row as SQL returns it. */
export interface ConversationRow {
  id: string;
  customer_id: string;
  channel: Channel;
  channels_used: Channel[];
  status: ConversationStatus;
  queue_id: string | null;
  assignee_id: string | null;
  required_skills: string[];
  created_at: Date;
  first_response_at: Date | null;
  first_response_due_at: Date | null;
  first_response_sla: SlaState | null;
  resolution_due_at: Date | null;
  resolution_sla: SlaState | null;
  sentiment_escalated_at: Date | null;
}

/** Locks a conversation of the workspace for the rest of the transaction; NOT_FOUND otherwise. */
export async function lockConversation(tx: EntityManager, workspaceId: string, id: string): Promise<ConversationRow> {
  if (!isUuid(id)) throw ConversationErrors.notFound(id);
  const [row] = await sql<ConversationRow>(tx, `select * from conversation where workspace_id = ? and id = ? for update`, [workspaceId, id]);
  if (!row) throw ConversationErrors.notFound(id);
  // the driver hands timestamps back as text
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    ...row,
    created_at: date(row.created_at)!,
    first_response_at: date(row.first_response_at),
    first_response_due_at: date(row.first_response_due_at),
    resolution_due_at: date(row.resolution_due_at),
  };
}

/** Locks an agent of the workspace; NOT_FOUND otherwise. */
export async function lockAgent(
  tx: EntityManager,
  workspaceId: string,
  id: string,
): Promise<{ id: string; skills: string[]; active_count: number; max_concurrent: number }> {
  if (!isUuid(id)) throw QueueErrors.agentNotFound(id);
  const [row] = await sql<{ id: string; skills: string[]; active_count: number; max_concurrent: number }>(
    tx,
    `select id, skills, active_count, max_concurrent from agent where workspace_id = ? and id = ? for update`,
    [workspaceId, id],
  );
  if (!row) throw QueueErrors.agentNotFound(id);
  return row;
}

/** Takes one slot of a locked agent for a conversation: every required skill and spare capacity, or a coded refusal. */
export async function takeAgent(
  tx: EntityManager,
  workspaceId: string,
  agent: Awaited<ReturnType<typeof lockAgent>>,
  requiredSkills: string[],
  now: Date,
): Promise<void> {
  const missing = requiredSkills.filter((skill) => !agent.skills.includes(skill));
  if (missing.length) throw ConversationErrors.agentLacksSkills(missing);
  if (agent.active_count >= agent.max_concurrent) throw ConversationErrors.agentAtCapacity(agent.max_concurrent);
  await sql(tx, `update agent set active_count = active_count + 1, last_assigned_at = ? where workspace_id = ? and id = ?`, [now, workspaceId, agent.id]);
}

export interface NewMessage {
  conversationId: string;
  customerId: string;
  direction: MessageDirection;
  channel: Channel;
  author: AuthorKind;
  agentId: string | null;
  body: string;
  at: Date;
  tone: Tone;
}

/** Writes a message and, in the same statement, adds its tone to its conversation's tallies (agents' replies, empathetic ones, the customer's scored and negative ones). */
export async function insertMessage(tx: EntityManager, workspaceId: string, message: NewMessage): Promise<string> {
  const id = uuidv7();
  const { sentiment, empathetic } = message.tone;
  await sql(
    tx,
    `with added as (
       insert into message (id, workspace_id, conversation_id, customer_id, direction, channel, author, agent_id, body, created_at, sentiment, empathetic)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning conversation_id)
     update conversation c set agent_replies = agent_replies + ?, empathetic_replies = empathetic_replies + ?, scored_messages = scored_messages + ?,
       negative_messages = negative_messages + ?, sentiment_sum = sentiment_sum + ?
     from added a where ?::boolean and c.workspace_id = ? and c.id = a.conversation_id`,
    [
      id,
      workspaceId,
      message.conversationId,
      message.customerId,
      message.direction,
      message.channel,
      message.author,
      message.agentId,
      message.body,
      message.at,
      sentiment,
      empathetic,
      empathetic === null ? 0 : 1,
      empathetic ? 1 : 0,
      sentiment === null ? 0 : 1,
      sentiment !== null && sentiment < 0 ? 1 : 0,
      sentiment ?? 0,
      sentiment !== null || empathetic !== null,
      workspaceId,
    ],
  );
  return id;
}
