import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { MetricGroup } from '../../graphql/enums';
import { settingsOf } from '../preference/preference.loaders';
import { TimeRangeInput } from './metrics.input';
import { businessMetrics, customerMetrics, serviceMetrics } from './metrics.service';
import { BusinessMetrics, CustomerMetrics, ServiceMetrics } from './metrics.types';

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

  @Authorized(...may.readBusinessMetrics)
  @Query(() => BusinessMetrics, { description: 'Retention, repeat purchase, enquiry conversion, cross-sell, active and new customers and revenue of a range.' })
  businessMetrics(@Arg('range', () => TimeRangeInput) range: TimeRangeInput, @Ctx() ctx: Context): Promise<BusinessMetrics> {
    return businessMetrics(ctx.em, ctx.viewer.workspaceId, range);
  }

  @Authorized(...may.readMetrics)
  @Query(() => CustomerMetrics, { description: 'Live customers by lifecycle stage, value tier and preferred channel.' })
  customerMetrics(@Ctx() ctx: Context): Promise<CustomerMetrics> {
    return customerMetrics(ctx.em, ctx.viewer.workspaceId);
  }
}
