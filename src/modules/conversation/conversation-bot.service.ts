import { NO_TONE } from './sentiment.rules';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import type { Outbox } from '../../events/outbox';
import { AuthorKind, MessageDirection, QueueChange, type Channel } from '../../graphql/enums';
import { insertMessage } from './conversation.sql';
import { reached } from '../queue/sla.rules';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { searchArticles } from '../knowledge/knowledge.service';

/** The customer wants a person: the bot stays quiet for the rest of the conversation. */
const WANTS_A_PERSON = /转人工|人工客服|人工服务|找人工|要人工|真人|\bagent\b|\bhuman\b|real person|\boperator\b|speak to (?:a |an )?(?:person|someone)/i;

/** The customer says the bot's answer settled it. */
const SOLVED = /解决了|已解决|没问题了|明白了|知道了|\bsolved\b|\bresolved\b|that (?:helps|helped|works)|\bgot it\b/i;

export type BotAction = 'ANSWERED' | 'HANDED_OVER' | 'SOLVED' | null;

interface Queued {
  id: string;
  customer_id: string;
  channel: Channel;
  queue_id: string | null;
  resolution_sla: Parameters<typeof reached>[0];
  resolution_due_at: Date | null;
}

/**
 * What the bot does about an inbound message on a QUEUED conversation, inside the caller's
 * transaction: step back when asked for a person (for good), close the conversation when the
 * customer confirms its last answer solved it, or answer with the best auto-reply article when it
 * matches at least the workspace's threshold. The conversation stays queued for a person otherwise.
 */
export async function botTurn(
  tx: EntityManager,
  ws: string,
  settings: WorkspaceSettings,
  conversation: Queued,
  text: string,
  now: Date,
  outbox: Outbox,
): Promise<BotAction> {
  const [state] = await sql<{ bot_off: boolean; bot_last: boolean }>(
    tx,
    `select c.bot_off, coalesce((select m.author = 'BOT' from message m where m.workspace_id = c.workspace_id and m.conversation_id = c.id and m.direction = 'OUTBOUND'
       order by m.created_at desc, m.id desc limit 1), false) as bot_last
     from conversation c where c.workspace_id = ? and c.id = ?`,
    [ws, conversation.id],
  );
  if (state.bot_off) return null;
  if (WANTS_A_PERSON.test(text)) {
    await sql(tx, `update conversation set bot_off = true where workspace_id = ? and id = ?`, [ws, conversation.id]);
    return 'HANDED_OVER';
  }
  if (state.bot_last && SOLVED.test(text)) {
    await sql(
      tx,
      `update conversation set status = 'RESOLVED', resolved_at = ?, resolution_note = 'Answered by the bot; the customer confirmed', resolution_sla = ?, updated_at = ? where workspace_id = ? and id = ?`,
      [now, reached(conversation.resolution_sla, conversation.resolution_due_at, now), now, ws, conversation.id],
    );
    const at = now.toISOString();
    if (conversation.queue_id)
      outbox.add('QUEUE_UPDATED', { ws, queueId: conversation.queue_id, change: QueueChange.RESOLVED, conversationId: conversation.id, at });
    outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'STATUS', messageId: null, at });
    return 'SOLVED';
  }
  const [best] = await searchArticles(tx, ws, text, 1, true);
  if (!best || best.score < settings.autoReplyThreshold) return null;
  const messageId = await insertMessage(tx, ws, {
    conversationId: conversation.id,
    customerId: conversation.customer_id,
    direction: MessageDirection.OUTBOUND,
    channel: conversation.channel,
    author: AuthorKind.BOT,
    agentId: null,
    body: best.article.body,
    at: new Date(now.getTime() + 1), // just after the question, so the timeline reads in order
    tone: NO_TONE,
  });
  outbox.add('CONVERSATION_UPDATED', { ws, conversationId: conversation.id, kind: 'MESSAGE', messageId, at: now.toISOString() });
  return 'ANSWERED';
}
