import { badInput } from '../../errors';

/** Refusals of service metrics and the dashboard. */
export const MetricsErrors = {
  rangeReversed: () => badInput('METRICS_RANGE_REVERSED', 'range.from must be before range.to', { field: 'range' }),
  rangeTooLong: (maxDays: number) => badInput('METRICS_RANGE_TOO_LONG', `a range spans at most ${maxDays} days`, { field: 'range' }),
  dashboardInterval: () => badInput('DASHBOARD_INTERVAL', 'everySeconds must be 1 to 3600', { field: 'everySeconds' }),
};
