import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { AgentStatus } from '../../graphql/enums';
import { Agent } from './agent.entity';
import { CreateAgentInput, CreateQueueInput, CreateSlaPolicyInput, UpdateAgentInput } from './queue.input';
import { QueueStats } from './queue.types';
import { Queue } from './queue.entity';
import { agentsOfQueue, queuesOfAgentLoader, statsOf } from './queue.loaders';
import { createAgent, createQueue, createSlaPolicy, setAgentStatus, updateAgent } from './queue.service';
import { SlaPolicy } from './sla-policy.entity';

@Resolver(() => Queue)
export class QueueResolver {
  @Authorized(...may.readConversations)
  @Query(() => [Queue])
  queues(@Ctx() ctx: Context): Promise<Queue[]> {
    return ctx.em.find(Queue, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Authorized(...may.readConversations)
  @Query(() => Queue, { nullable: true })
  queue(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Queue | null> {
    return ctx.loaders.byId(Queue).load(id);
  }

  @Authorized(...may.readConversations)
  @Query(() => [SlaPolicy])
  slaPolicies(@Ctx() ctx: Context): Promise<SlaPolicy[]> {
    return ctx.em.find(SlaPolicy, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => SlaPolicy)
  createSlaPolicy(@Arg('input', () => CreateSlaPolicyInput) input: CreateSlaPolicyInput, @Ctx() ctx: Context): Promise<SlaPolicy> {
    return createSlaPolicy(ctx.em, ctx.viewer.workspaceId, input, ctx.clock.now());
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Queue)
  createQueue(@Arg('input', () => CreateQueueInput) input: CreateQueueInput, @Ctx() ctx: Context): Promise<Queue> {
    return createQueue(ctx.em, ctx.viewer.workspaceId, input, ctx.clock.now());
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Agent, { description: 'Adds an agent, OFFLINE until set ONLINE.' })
  createAgent(@Arg('input', () => CreateAgentInput) input: CreateAgentInput, @Ctx() ctx: Context): Promise<Agent> {
    return createAgent(ctx.em, ctx.viewer.workspaceId, input, ctx.clock.now());
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Agent, { description: 'Renames an agent or changes its capacity or dedication; one no longer dedicated hands its customers on.' })
  async updateAgent(
    @Arg('agentId', () => ID) agentId: string,
    @Arg('input', () => UpdateAgentInput) input: UpdateAgentInput,
    @Ctx() ctx: Context,
  ): Promise<Agent> {
    const { outbox } = await updateAgent(ctx.em, ctx.viewer.workspaceId, agentId, input, ctx.clock.now());
    await outbox.publish(ctx.bus);
    return ctx.em.findOneOrFail(Agent, { id: agentId }, { refresh: true });
  }

  @Authorized(...may.handleConversations)
  @Mutation(() => Agent, { description: 'An agent coming ONLINE is given waiting conversations at once.' })
  async setAgentStatus(@Arg('agentId', () => ID) agentId: string, @Arg('status', () => AgentStatus) status: AgentStatus, @Ctx() ctx: Context): Promise<Agent> {
    const { outbox } = await setAgentStatus(ctx.em, ctx.viewer.workspaceId, agentId, status, ctx.clock.now());
    await outbox.publish(ctx.bus);
    return ctx.em.findOneOrFail(Agent, { id: agentId }, { refresh: true });
  }

  @FieldResolver(() => SlaPolicy, { nullable: true })
  slaPolicy(@Root() queue: Queue, @Ctx() ctx: Context): Promise<SlaPolicy | null> | null {
    return queue.slaPolicyId ? ctx.loaders.byId(SlaPolicy).load(queue.slaPolicyId) : null;
  }

  @FieldResolver(() => QueueStats)
  stats(@Root() queue: Queue, @Ctx() ctx: Context): Promise<QueueStats> {
    return statsOf(ctx).load(queue.id);
  }

  @FieldResolver(() => [Agent])
  agents(@Root() queue: Queue, @Ctx() ctx: Context): Promise<Agent[]> {
    return agentsOfQueue(ctx).load(queue.id);
  }
}

@Resolver(() => Agent)
export class AgentResolver {
  @Authorized(...may.readConversations)
  @Query(() => [Agent])
  agents(@Ctx() ctx: Context): Promise<Agent[]> {
    return ctx.em.find(Agent, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @FieldResolver(() => [Queue])
  queues(@Root() agent: Agent, @Ctx() ctx: Context): Promise<Queue[]> {
    return queuesOfAgentLoader(ctx).load(agent.id);
  }
}
