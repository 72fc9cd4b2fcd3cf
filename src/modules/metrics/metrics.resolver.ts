import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { InputErrors } from '../../graphql/input.errors';
import { weeklyReports } from './weekly-report.service';
import { WeeklyReport } from './weekly-report.types';
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

  @Authorized(...may.readBusinessMetrics)
  @Query(() => [WeeklyReport], { description: 'The stored weekly reports (made Monday 08:00, local), newest first.' })
  reports(@Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<WeeklyReport[]> {
    if (first !== undefined && first !== null && (!Number.isInteger(first) || first < 0 || first > 520)) throw InputErrors.pageSize(first, 520);
    return weeklyReports(ctx.em, first ?? 52);
  }

  @Authorized(...may.readMetrics)
  @Query(() => CustomerMetrics, { description: 'Live customers by lifecycle stage, value tier and preferred channel.' })
  customerMetrics(@Ctx() ctx: Context): Promise<CustomerMetrics> {
    return customerMetrics(ctx.em, ctx.viewer.workspaceId);
  }
}
