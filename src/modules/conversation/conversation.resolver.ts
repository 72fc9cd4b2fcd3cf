import { Float, Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import type { Connection } from '../../graphql/connection';
import { ConversationStatus, MessageDirection, Role, SlaState, type Priority } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { liveCustomer } from '../customer/customer.loaders';
import { publishTransitions } from '../lifecycle/lifecycle.service';
import { Agent } from '../queue/agent.entity';
import { Queue } from '../queue/queue.entity';
import { overallSla } from '../queue/sla.rules';
import { readSettings } from '../workspace/workspace-settings.service';
import { Conversation } from './conversation.entity';
import { OpenConversationInput, PostMessageInput, TransferInput } from './conversation.input';
import { conversationById, messagesOfConversation, transfersOf, checkPage } from './conversation.loaders';
import { listConversations, openConversation, postMessage, type ConversationScope, type Written } from './conversation.service';
import {
  assignConversation,
  closeConversation,
  escalateConversation,
  reopenConversation,
  resolveConversation,
  transferConversation,
  type Actor,
} from './conversation-handling.service';
import { ConversationConnection, Escalation, MessageConnection } from './conversation.types';
import { Message } from './message.entity';
import { Transfer } from './transfer.entity';
import { CustomerErrors } from '../customer/customer.errors';
import { ConversationErrors } from './conversation.errors';

const actor = (ctx: Context): Actor => ({ viewer: ctx.viewer, now: ctx.clock.now() });
const scope = async (ctx: Context): Promise<ConversationScope> => ({ ...actor(ctx), settings: await readSettings(ctx.em, ctx.viewer.workspaceId) });

interface EscalationRow {
  conversation_id: string;
  reason: string;
  from_priority: Priority;
  to_priority: Priority;
  from_queue_id: string | null;
  to_queue_id: string | null;
  automatic: boolean;
  at: Date | string;
}

/** Publishes what a committed write left, then answers the conversation as it now is. */
async function done(ctx: Context, written: Written): Promise<Conversation> {
  await written.outbox.publish(ctx.bus);
  await publishTransitions(ctx.bus, ctx.viewer.workspaceId, written.transitions);
  const conversation = await conversationById(ctx).load(written.conversationId);
  if (!conversation) throw ConversationErrors.notFound(written.conversationId);
  return conversation;
}

@Resolver(() => Conversation)
export class ConversationResolver {
  @Authorized(...may.readConversations)
  @Query(() => Conversation, { nullable: true })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Conversation | null> {
    return conversationById(ctx).load(id);
  }

  @Authorized(...may.readConversations)
  @Query(() => ConversationConnection, { description: 'Conversations of the workspace, newest first.' })
  conversations(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => ConversationStatus, { nullable: true }) status?: ConversationStatus,
    @Arg('queueId', () => ID, { nullable: true }) queueId?: string,
    @Arg('assigneeId', () => ID, { nullable: true }) assigneeId?: string,
  ): Promise<Connection<Conversation>> {
    return listConversations(ctx, { first, after, status, queueId, assigneeId });
  }

  @Authorized(...may.openConversations)
  @Mutation(() => Conversation, { description: 'Opens a conversation with its first (inbound) message, queues it and routes it.' })
  async openConversation(@Arg('input', () => OpenConversationInput) input: OpenConversationInput, @Ctx() ctx: Context): Promise<Conversation> {
    return done(ctx, await openConversation(ctx.em, await scope(ctx), input));
  }

  @Authorized(...may.openConversations)
  @Mutation(() => Message, { description: 'Adds a message. INGEST keys may post INBOUND messages only.' })
  async postMessage(@Arg('input', () => PostMessageInput) input: PostMessageInput, @Ctx() ctx: Context): Promise<Message> {
    if (ctx.viewer.role === Role.INGEST && input.direction !== MessageDirection.INBOUND) throw ConversationErrors.ingestMayPostInboundOnly();
    const written = await postMessage(ctx.em, await scope(ctx), input);
    await done(ctx, written);
    return ctx.em.findOneOrFail(Message, { id: written.messageId! });
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation)
  async assignConversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('agentId', () => ID) agentId: string,
    @Ctx() ctx: Context,
  ): Promise<Conversation> {
    return done(ctx, await assignConversation(ctx.em, actor(ctx), conversationId, agentId));
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation, { description: 'Moves a conversation to another queue, agent or channel; every earlier message stays with it.' })
  async transferConversation(@Arg('input', () => TransferInput) input: TransferInput, @Ctx() ctx: Context): Promise<Conversation> {
    return done(ctx, await transferConversation(ctx.em, actor(ctx), input));
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation, {
    description: 'Raises the priority one step (URGENT stays), optionally moves the conversation to another queue, records it and routes again.',
  })
  async escalateConversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('reason') reason: string,
    @Arg('toQueueId', () => ID, { nullable: true }) toQueueId: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<Conversation> {
    return done(ctx, await escalateConversation(ctx.em, actor(ctx), { conversationId, reason, toQueueId }));
  }

  @FieldResolver(() => Float, { nullable: true, description: "Mean sentiment of the customer's messages, -1 (negative) to 1 (positive); null before any." })
  sentiment(@Root() conversation: Conversation): number | null {
    return conversation.scoredMessages ? Math.round((conversation.sentimentSum / conversation.scoredMessages) * 1000) / 1000 : null;
  }

  @FieldResolver(() => [Escalation], { description: 'Its escalations, oldest first.' })
  escalations(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Escalation[]> {
    return ctx.loaders
      .named<string, Escalation[]>('escalations', async (ids) => {
        const rows = await ctx.loaders.read<EscalationRow>(
          `select conversation_id, reason, from_priority, to_priority, from_queue_id, to_queue_id, automatic, at from conversation_escalation
           where workspace_id = ? and conversation_id = any(?::uuid[]) order by at, id`,
          [ctx.viewer.workspaceId, [...ids]],
        );
        return ids.map((id) =>
          rows
            .filter((row) => row.conversation_id === id)
            .map((row) => ({
              reason: row.reason,
              fromPriority: row.from_priority,
              toPriority: row.to_priority,
              fromQueueId: row.from_queue_id,
              toQueueId: row.to_queue_id,
              automatic: row.automatic,
              at: new Date(row.at),
            })),
        );
      })
      .load(conversation.id);
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation)
  async resolveConversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: Context,
  ): Promise<Conversation> {
    return done(ctx, await resolveConversation(ctx.em, await scope(ctx), conversationId, note));
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation, { description: 'Puts a RESOLVED conversation back in its queue.' })
  async reopenConversation(@Arg('conversationId', () => ID) conversationId: string, @Ctx() ctx: Context): Promise<Conversation> {
    return done(ctx, await reopenConversation(ctx.em, actor(ctx), conversationId));
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Conversation, { description: 'Closes a RESOLVED conversation for good.' })
  async closeConversation(@Arg('conversationId', () => ID) conversationId: string, @Ctx() ctx: Context): Promise<Conversation> {
    return done(ctx, await closeConversation(ctx.em, actor(ctx), conversationId));
  }

  @FieldResolver(() => Customer)
  async customer(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Customer> {
    // an erased customer answers as the blank row erasure leaves
    const customer = (await liveCustomer(ctx).load(conversation.customerId)) ?? (await ctx.loaders.byId(Customer).load(conversation.customerId));
    if (!customer) throw CustomerErrors.notFound(conversation.customerId);
    return customer;
  }

  @FieldResolver(() => Queue, { nullable: true })
  queue(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Queue | null> | null {
    return conversation.queueId ? ctx.loaders.byId(Queue).load(conversation.queueId) : null;
  }

  @FieldResolver(() => Agent, { nullable: true })
  assignee(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Agent | null> | null {
    return conversation.assigneeId ? ctx.loaders.byId(Agent).load(conversation.assigneeId) : null;
  }

  @FieldResolver(() => MessageConnection, { description: 'Every message, oldest first, whatever channel it came on.' })
  messages(
    @Root() conversation: Conversation,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<Message>> {
    checkPage(first, after);
    return messagesOfConversation(ctx).load({ parentId: conversation.id, first, after });
  }

  @FieldResolver(() => [Transfer])
  transfers(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Transfer[]> {
    return transfersOf(ctx).load(conversation.id);
  }

  @FieldResolver(() => SlaState, { description: 'BREACHED if a target was missed, AT_RISK if one is near, MET when every target was met, OK otherwise.' })
  slaState(@Root() conversation: Conversation): SlaState {
    return overallSla(conversation.firstResponseSla, conversation.resolutionSla);
  }
}

@Resolver(() => Message)
export class MessageResolver {
  @FieldResolver(() => Agent, { nullable: true })
  agent(@Root() message: Message, @Ctx() ctx: Context): Promise<Agent | null> | null {
    return message.agentId ? ctx.loaders.byId(Agent).load(message.agentId) : null;
  }

  @FieldResolver(() => String, { description: 'Masked for ANALYST keys.' })
  body(@Root() message: Message): string {
    return message.body; // masked by the access rules (graphql/masking.ts)
  }
}
