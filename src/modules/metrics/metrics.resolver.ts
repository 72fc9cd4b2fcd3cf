import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { MetricGroup } from '../../graphql/enums';
import { settingsOf } from '../preference/preference.loaders';
import { ServiceMetrics, serviceMetrics, TimeRangeInput } from './service-metrics';

@Resolver()
export class MetricsResolver {
  @Authorized(...may.readMetrics)
  @Query(() => [ServiceMetrics], { description: 'Service figures for conversations opened in the range, grouped; computed in SQL.' })
  async serviceMetrics(
    @Arg('range', () => TimeRangeInput) range: TimeRangeInput,
    @Arg('groupBy', () => MetricGroup) groupBy: MetricGroup,
    @Ctx() ctx: Context,
  ): Promise<ServiceMetrics[]> {
    const settings = await settingsOf(ctx);
    return serviceMetrics(ctx.em, ctx.viewer.workspaceId, settings.timezone, range, groupBy);
  }
}
