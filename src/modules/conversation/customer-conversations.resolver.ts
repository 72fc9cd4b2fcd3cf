import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import type { Connection } from '../../graphql/connection';
import { Channel, ConversationStatus } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { Queue } from '../queue/queue.entity';
import { Conversation } from './conversation.entity';
import { checkLinePage, checkPage, conversationsOfCustomer, timelineOfCustomer, waitingOf } from './conversation.loaders';
import { ConversationConnection, MessageConnection } from './conversation.types';
import { Message } from './message.entity';

@Resolver(() => Customer)
export class CustomerConversationsResolver {
  @FieldResolver(() => ConversationConnection, { description: "The customer's conversations (and those of customers merged into it), newest first." })
  conversations(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => ConversationStatus, { nullable: true }) status?: ConversationStatus,
  ): Promise<Connection<Conversation>> {
    checkPage(first, after);
    return conversationsOfCustomer(ctx).load({ parentId: customer.id, first, after, filter: status ?? null });
  }

  @FieldResolver(() => MessageConnection, { description: 'Every message of every conversation of this customer, across channels, newest first.' })
  timeline(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('channel', () => Channel, { nullable: true }) channel?: Channel,
  ): Promise<Connection<Message>> {
    checkPage(first, after);
    return timelineOfCustomer(ctx).load({ parentId: customer.id, first, after, filter: channel ?? null });
  }
}

@Resolver(() => Queue)
export class QueueLineResolver {
  @FieldResolver(() => ConversationConnection, { description: 'Conversations waiting, in routing order: effective priority, then age.' })
  waiting(
    @Root() queue: Queue,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<Conversation>> {
    checkLinePage(first, after);
    return waitingOf(ctx).load({ queueId: queue.id, first, after });
  }
}
