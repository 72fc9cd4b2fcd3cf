import { AppError, badInput, forbidden } from '../../errors';

/** Refusals of service metrics and the dashboard. */
export const MetricsErrors = {
  rangeReversed: () => badInput('METRICS_RANGE_REVERSED', 'range.from must be before range.to', { field: 'range' }),
  rangeTooLong: (maxDays: number) => badInput('METRICS_RANGE_TOO_LONG', `a range spans at most ${maxDays} days`, { field: 'range' }),
  rangeMissing: () => badInput('METRICS_RANGE_MISSING', 'from and to must be ISO 8601 times', { field: 'range' }),
  groupByInvalid: () => badInput('METRICS_GROUP_INVALID', 'groupBy must be NONE, CHANNEL, AGENT, QUEUE or DAY', { field: 'groupBy' }),
  reportForbidden: () => forbidden('REPORT_FORBIDDEN', 'Reports need an ADMIN, MARKETER or ANALYST key'),
  reportFailed: () => new AppError('INTERNAL_SERVER_ERROR', 'REPORT_FAILED', 'The report failed'),
  dashboardInterval: () => badInput('DASHBOARD_INTERVAL', 'everySeconds must be 1 to 3600', { field: 'everySeconds' }),
};
