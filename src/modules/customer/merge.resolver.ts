import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { Customer } from './customer.entity';
import { requireLiveCustomer } from './customer.loaders';
import { mergeCustomers, planMerge, unmergeCustomer } from './merge.service';
import { publishTransitions } from '../lifecycle/lifecycle.service';
import { getWorkspace } from '../workspace/workspace.service';
import { MergePreview } from './merge.types';

@Resolver()
export class MergeResolver {
  @Authorized(...may.administer)
  @Query(() => MergePreview, { description: 'What mergeCustomers would do, without doing it.' })
  async previewMerge(
    @Arg('survivorId', () => ID) survivorId: string,
    @Arg('absorbedId', () => ID) absorbedId: string,
    @Ctx() ctx: Context,
  ): Promise<MergePreview> {
    const plan = await planMerge(ctx.em, ctx.viewer.workspaceId, survivorId, absorbedId);
    return {
      survivor: ctx.em.map(Customer, plan.survivor),
      absorbed: ctx.em.map(Customer, plan.absorbed),
      conflicts: plan.conflicts,
      violations: plan.violations,
    };
  }

  @Authorized(...may.administer)
  @Mutation(() => Customer, { description: 'Merges absorbedId into survivorId by hand; the absorbed id keeps resolving to the survivor.' })
  async mergeCustomers(
    @Arg('survivorId', () => ID) survivorId: string,
    @Arg('absorbedId', () => ID) absorbedId: string,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    const { settings } = await getWorkspace(ctx.em, ctx.viewer.workspaceId);
    const { survivorId: id, transitions } = await mergeCustomers(ctx.em, ctx.viewer, { settings, now: ctx.clock.now() }, survivorId, absorbedId);
    await publishTransitions(ctx.bus, ctx.viewer.workspaceId, transitions);
    return requireLiveCustomer(ctx, id);
  }

  @Authorized(...may.administer)
  @Mutation(() => [Customer], { description: 'Undoes a merge; returns the survivor and the restored customer.' })
  async unmergeCustomer(@Arg('mergeId', () => ID) mergeId: string, @Ctx() ctx: Context): Promise<Customer[]> {
    const { settings } = await getWorkspace(ctx.em, ctx.viewer.workspaceId);
    const { ids, transitions } = await unmergeCustomer(ctx.em, ctx.viewer, { settings, now: ctx.clock.now() }, mergeId);
    await publishTransitions(ctx.bus, ctx.viewer.workspaceId, transitions);
    return Promise.all(ids.map((id) => requireLiveCustomer(ctx, id)));
  }
}
