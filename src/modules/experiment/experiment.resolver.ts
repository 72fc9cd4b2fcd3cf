import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { may } from '../../graphql/auth';
import { requireLiveCustomer } from '../customer/customer.loaders';
import { TimeRangeInput } from '../metrics/metrics.input';
import { ReplyTemplate } from '../template/reply-template.entity';
import { renderFor } from '../template/template.service';
import { Experiment } from './experiment.entity';
import { ExperimentInput } from './experiment.input';
import { assignVariant, createExperiment, experimentResults, startExperiment, stopExperiment } from './experiment.service';
import { ExperimentAssignment, ExperimentResults, ExperimentVariant } from './experiment.types';
import { RenderedTemplate } from '../template/template.types';

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Authorized(...may.readExperiments)
  @Query(() => [Experiment], { description: 'Experiments, newest first.' })
  experiments(@Ctx() ctx: Context): Promise<Experiment[]> {
    return ctx.em.find(Experiment, {}, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  @Authorized(...may.readExperiments)
  @Query(() => Experiment, { nullable: true })
  async experiment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Experiment | null> {
    return isUuid(id) ? ((await ctx.loaders.byId(Experiment).load(id)) ?? null) : null;
  }

  @Authorized(...may.manageExperiments)
  @Mutation(() => Experiment, { description: 'A DRAFT experiment: two or more reply templates of one scene and channel, with weights.' })
  createExperiment(@Arg('input', () => ExperimentInput) input: ExperimentInput, @Ctx() ctx: Context): Promise<Experiment> {
    return createExperiment(ctx.em, ctx.viewer, input, ctx.clock.now());
  }

  @Authorized(...may.manageExperiments)
  @Mutation(() => Experiment, { description: 'DRAFT -> RUNNING: assignVariant assigns from now on.' })
  startExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Experiment> {
    return startExperiment(ctx.em, ctx.viewer, id, ctx.clock.now());
  }

  @Authorized(...may.manageExperiments)
  @Mutation(() => Experiment, { description: "RUNNING -> STOPPED; a winner (a variant's key) is preferred by recommendedTemplates for the scene and channel." })
  stopExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Arg('winner', () => String, { nullable: true }) winner?: string): Promise<Experiment> {
    return stopExperiment(ctx.em, ctx.viewer, id, winner ?? null, ctx.clock.now());
  }

  @Authorized(...may.assignVariants)
  @Mutation(() => ExperimentAssignment, { description: "Picks (or recalls) the customer's variant and records an exposure." })
  async assignVariant(
    @Arg('experimentId', () => ID) experimentId: string,
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() ctx: Context,
  ): Promise<ExperimentAssignment> {
    const experiment = isUuid(experimentId) ? await ctx.loaders.byId(Experiment).load(experimentId) : null;
    const assigned = await assignVariant(ctx.em, ctx.viewer, experiment, experimentId, customerId, ctx.clock.now());
    return {
      experimentId,
      variant: assigned.variant,
      customerId: assigned.customerId,
      templateId: experiment!.variants.find((v) => v.key === assigned.variant)!.templateId,
    };
  }

  @FieldResolver(() => [ExperimentVariant])
  async variants(@Root() experiment: Experiment, @Ctx() ctx: Context): Promise<ExperimentVariant[]> {
    const templates = await Promise.all(experiment.variants.map((v) => ctx.loaders.byId(ReplyTemplate).load(v.templateId)));
    return experiment.variants.map((v, i) => ({ key: v.key, weight: v.weight, template: templates[i]! }));
  }

  @FieldResolver(() => ExperimentResults, {
    description: 'Per variant, over the exposures (in range when given), with the test of the best against the control.',
  })
  results(
    @Root() experiment: Experiment,
    @Ctx() ctx: Context,
    @Arg('range', () => TimeRangeInput, { nullable: true }) range?: TimeRangeInput,
  ): Promise<ExperimentResults> {
    return experimentResults(ctx.em, ctx.viewer.workspaceId, experiment, range ?? null);
  }
}

@Resolver(() => ExperimentAssignment)
export class ExperimentAssignmentResolver {
  @FieldResolver(() => RenderedTemplate, { description: "The variant's template rendered for the customer." })
  async rendered(@Root() assignment: ExperimentAssignment, @Ctx() ctx: Context): Promise<RenderedTemplate> {
    const [template, customer] = await Promise.all([
      ctx.loaders.byId(ReplyTemplate).load(assignment.templateId),
      requireLiveCustomer(ctx, assignment.customerId),
    ]);
    return renderFor(template!, customer);
  }
}
