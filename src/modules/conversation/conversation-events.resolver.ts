import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { sharedFor } from '../../events/shared';
import type { Topics } from '../../events/topics';
import { may } from '../../graphql/auth';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import { Conversation } from './conversation.entity';
import { ConversationEvent } from './conversation.types';
import { Message } from './message.entity';
import { ConversationErrors } from './conversation.errors';

async function updates({ args, context }: SubscribeResolverData<unknown, { conversationId: string }, Context>) {
  const ws = context.viewer.workspaceId;
  const found =
    isUuid(args.conversationId) &&
    (await sql(context.em, `select 1 from conversation where workspace_id = ? and id = ?`, [ws, args.conversationId])).length > 0;
  if (!found) throw ConversationErrors.notFound(args.conversationId);
  return context.bus.subscribe('CONVERSATION_UPDATED', (m) => m.ws === ws && m.conversationId === args.conversationId);
}

@Resolver()
export class ConversationEventsResolver {
  @Authorized(...may.readConversations)
  @Subscription(() => ConversationEvent, {
    description: 'Everything that happens to one conversation: OPENED, MESSAGE, ASSIGNED, TRANSFERRED, STATUS, SLA.',
    subscribe: updates,
  })
  conversationUpdated(
    @Root() message: Topics['CONVERSATION_UPDATED'],
    @Ctx() ctx: Context,
    @Arg('conversationId', () => ID) _conversationId: string,
  ): Promise<ConversationEvent> {
    const { em } = ctx;
    return sharedFor(message, 'conversationEvent', async () => ({
      conversation: await em.findOneOrFail(Conversation, { id: message.conversationId }),
      kind: message.kind,
      message: message.messageId ? await em.findOne(Message, { id: message.messageId }) : null,
      at: new Date(message.at),
    }));
  }
}
