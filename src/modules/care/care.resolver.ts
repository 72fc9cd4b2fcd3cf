import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { withRetries } from '../../db/sql';
import { Outbox } from '../../events/outbox';
import { may } from '../../graphql/auth';
import { Customer } from '../customer/customer.entity';
import { requireLiveCustomer } from '../customer/customer.loaders';
import { Agent } from '../queue/agent.entity';
import { ownedCountsStatement } from './care.sql';
import { assignOwner } from './care.service';

@Resolver(() => Customer)
export class CustomerCareResolver {
  @FieldResolver(() => Agent, { nullable: true, description: 'The dedicated adviser, if any.' })
  owner(@Root() customer: Customer, @Ctx() ctx: Context): Promise<Agent | null> | null {
    return customer.ownerId ? ctx.loaders.byId(Agent).load(customer.ownerId) : null;
  }

  @Authorized(...may.administer)
  @Mutation(() => Customer, { description: "Sets a customer's owner (a dedicated agent), or clears it with no agentId." })
  async assignOwner(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('agentId', () => ID, { nullable: true }) agentId: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    const outbox = new Outbox();
    const id = await withRetries(ctx.em, (tx) => assignOwner(tx, outbox, ctx.viewer, customerId, agentId ?? null));
    await outbox.publish(ctx.bus);
    return requireLiveCustomer(ctx, id);
  }
}

@Resolver(() => Agent)
export class AgentCareResolver {
  @FieldResolver(() => Int, { description: 'Customers this agent owns.' })
  async ownedCustomers(@Root() agent: Agent, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders
      .named<string, number>('ownedCustomers', async (ids) => {
        const { text, params } = ownedCountsStatement(ctx.viewer.workspaceId, ids);
        const counts = new Map((await ctx.loaders.read<{ owner_id: string; owned: number }>(text, params ?? [])).map((row) => [row.owner_id, row.owned]));
        return ids.map((id) => counts.get(id) ?? 0);
      })
      .load(agent.id);
  }
}
