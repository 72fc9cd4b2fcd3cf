import { Authorized, Ctx, FieldResolver, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { sql } from '../../db/sql';
import { may } from '../../graphql/auth';
import { Customer } from '../customer/customer.entity';
import { liveCustomer } from '../customer/customer.loaders';
import { LifecycleTransition } from './lifecycle-transition.entity';
import { LifecycleChange } from './lifecycle.types';

type Change = { customerId: string; transitionId: string };

/** This workspace's lifecycle changes, one at a time (the bus carries them in groups). */
async function* changesOf({ context }: SubscribeResolverData<unknown, unknown, Context>): AsyncGenerator<Change> {
  for await (const message of context.bus.subscribe('LIFECYCLE_CHANGED', (m) => m.ws === context.viewer.workspaceId)) {
    for (const [customerId, transitionId] of message.changes) yield { customerId, transitionId };
  }
}

const historyOf = (ctx: Context) =>
  ctx.loaders.named<string, LifecycleTransition[]>('lifecycleHistory', async (customerIds) => {
    const rows = await ctx.em.find(LifecycleTransition, { customerId: { $in: [...customerIds] } }, { orderBy: { at: 'asc', id: 'asc' } });
    return customerIds.map((id) => rows.filter((row) => row.customerId === id));
  });

@Resolver(() => Customer)
export class LifecycleResolver {
  @FieldResolver(() => [LifecycleTransition], { description: 'Every stage the customer went through, oldest first, with the reason.' })
  lifecycleHistory(@Root() customer: Customer, @Ctx() ctx: Context): Promise<LifecycleTransition[]> {
    return historyOf(ctx).load(customer.id);
  }

  @Authorized(...may.readCustomers)
  @Subscription(() => LifecycleChange, { description: "Each change of a customer's lifecycle stage in this workspace.", subscribe: changesOf })
  async customerLifecycle(@Root() change: Change, @Ctx() ctx: Context): Promise<LifecycleChange> {
    const { em } = ctx;
    const [transition] = await sql<Record<string, unknown>>(em, `select * from lifecycle_transition where workspace_id = ? and id = ?`, [
      ctx.viewer.workspaceId,
      change.transitionId,
    ]);
    const customer = await liveCustomer(ctx).load(change.customerId);
    return { customer: customer!, transition: em.map(LifecycleTransition, transition) };
  }
}
