import { Authorized, Ctx, ID, Resolver, Root, Subscription, Arg, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { sharedFor } from '../../events/shared';
import type { Topics } from '../../events/topics';
import { may } from '../../graphql/auth';
import { QueueChange, SlaState } from '../../graphql/enums';
import { Conversation } from '../conversation/conversation.entity';
import { getWorkspace } from '../workspace/workspace.service';
import { Queue } from './queue.entity';
import { queueStats } from './queue.sql';
import { requireIds } from './queue.service';
import { QueueEvent, SlaAlert } from './queue.types';

type Data<A> = SubscribeResolverData<unknown, A, Context>;

/** A queue argument must name a queue of the subscriber's workspace (NOT_FOUND otherwise, whoever owns it). */
const check = async (ctx: Context, table: 'queue' | 'agent', id: string | null | undefined) => {
  if (id) await requireIds(ctx.em, ctx.viewer.workspaceId, table, [id]);
};

async function queueUpdates({ args, context }: Data<{ queueId?: string | null }>) {
  await check(context, 'queue', args.queueId);
  return context.bus.subscribe('QUEUE_UPDATED', (m) => m.ws === context.viewer.workspaceId && (!args.queueId || m.queueId === args.queueId));
}

async function assignments({ args, context }: Data<{ agentId: string }>) {
  await check(context, 'agent', args.agentId);
  return context.bus.subscribe('AGENT_ASSIGNED', (m) => m.ws === context.viewer.workspaceId && m.agentId === args.agentId);
}

async function alerts({ args, context }: Data<{ queueId?: string | null }>) {
  await check(context, 'queue', args.queueId);
  return context.bus.subscribe('SLA_ALERT', (m) => m.ws === context.viewer.workspaceId && (!args.queueId || m.queueId === args.queueId));
}

@Resolver()
export class QueueEventsResolver {
  @Authorized(...may.readConversations)
  @Subscription(() => QueueEvent, {
    description: "A queue's line changed (all queues of the workspace without queueId), with fresh stats.",
    subscribe: queueUpdates,
  })
  queueUpdated(
    @Root() message: Topics['QUEUE_UPDATED'],
    @Ctx() ctx: Context,
    @Arg('queueId', () => ID, { nullable: true }) _queueId?: string,
  ): Promise<QueueEvent> {
    const { em } = ctx;
    return sharedFor(message, 'queueEvent', async () => {
      const queue = await em.findOneOrFail(Queue, { id: message.queueId });
      const conversation = message.conversationId ? await em.findOne(Conversation, { id: message.conversationId }) : null;
      const { settings } = await getWorkspace(em, message.ws);
      const stats = (await queueStats(em, message.ws, [queue.id], ctx.clock.now(), settings.timezone)).get(queue.id)!;
      return { queue, change: message.change as QueueChange, conversation, stats, at: new Date(message.at) };
    });
  }

  @Authorized(...may.readConversations)
  @Subscription(() => Conversation, { description: 'Each conversation given to the agent, by routing or by hand.', subscribe: assignments })
  agentAssigned(@Root() message: Topics['AGENT_ASSIGNED'], @Ctx() ctx: Context, @Arg('agentId', () => ID) _agentId: string): Promise<Conversation> {
    const { em } = ctx;
    return sharedFor(message, 'conversation', () => em.findOneOrFail(Conversation, { id: message.conversationId }));
  }

  @Authorized(...may.readConversations)
  @Subscription(() => SlaAlert, { description: 'SLA targets becoming AT_RISK or BREACHED, each once (all queues without queueId).', subscribe: alerts })
  slaAlerts(@Root() message: Topics['SLA_ALERT'], @Ctx() ctx: Context, @Arg('queueId', () => ID, { nullable: true }) _queueId?: string): Promise<SlaAlert> {
    const { em } = ctx;
    return sharedFor(message, 'slaAlert', async () => ({
      conversation: await em.findOneOrFail(Conversation, { id: message.conversationId }),
      state: message.state as SlaState,
      target: message.target,
      dueAt: new Date(message.dueAt),
      at: new Date(message.at),
    }));
  }
}
