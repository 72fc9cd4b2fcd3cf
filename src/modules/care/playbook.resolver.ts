import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { PlaybookInput } from './care.input';
import { playbookStatsOf } from './care.loaders';
import { Playbook } from './playbook.entity';
import { createPlaybook, updatePlaybook } from './playbook.service';
import { PlaybookStats } from './playbook.types';

@Resolver(() => Playbook)
export class PlaybookResolver {
  @Authorized(...may.readCare)
  @Query(() => [Playbook], { description: "The workspace's playbooks, by name." })
  playbooks(@Ctx() ctx: Context): Promise<Playbook[]> {
    return ctx.em.find(Playbook, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Authorized(...may.managePlaybooks)
  @Mutation(() => Playbook, { description: 'A trigger and its steps: each step becomes a care task due its hours after the trigger.' })
  createPlaybook(@Arg('input', () => PlaybookInput) input: PlaybookInput, @Ctx() ctx: Context): Promise<Playbook> {
    return createPlaybook(ctx.em, ctx.viewer, input, ctx.clock.now());
  }

  @Authorized(...may.managePlaybooks)
  @Mutation(() => Playbook, { description: "Replaces a playbook's definition (active: false pauses it); tasks made already keep theirs." })
  updatePlaybook(@Arg('id', () => ID) id: string, @Arg('input', () => PlaybookInput) input: PlaybookInput, @Ctx() ctx: Context): Promise<Playbook> {
    return updatePlaybook(ctx.em, ctx.viewer, id, input, ctx.clock.now());
  }

  @FieldResolver(() => PlaybookStats, { description: 'Its tasks: done, done by their due time, open past it, and the on-time rate.' })
  stats(@Root() playbook: Playbook, @Ctx() ctx: Context): Promise<PlaybookStats> {
    return playbookStatsOf(ctx).load(playbook.id);
  }
}
