import type { EntityManager } from '@mikro-orm/postgresql';
import { ExperimentStatus, MetricGroup } from '../../graphql/enums';
import { Experiment } from '../experiment/experiment.entity';
import { experimentResults } from '../experiment/experiment.service';
import { previousWeek } from '../preference/local-time.rules';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { businessMetrics, serviceMetrics } from './metrics.service';
import { StoredWeeklyReport } from './weekly-report.entity';
import type { WeeklyReport } from './weekly-report.types';

/** The local hour of Monday at which last week's report is made. */
const REPORT_HOUR = 8;

/**
 * Makes and stores last week's report once it is due (Monday 08:00 in the workspace's time zone),
 * unless it was made: the service metrics of the week, its business metrics, and the results of
 * every experiment running now. Returns the week made, or null.
 */
export async function makeWeeklyReport(em: EntityManager, workspaceId: string, settings: WorkspaceSettings, now: Date): Promise<string | null> {
  const week = previousWeek(now, settings.timezone, REPORT_HOUR);
  if (now < week.dueAt) return null;
  if (await em.findOne(StoredWeeklyReport, { workspace: workspaceId, weekStart: week.weekStart })) return null;
  const range = { from: week.from, to: week.to };
  const [[service], business, running] = await Promise.all([
    serviceMetrics(em, workspaceId, settings.timezone, range, MetricGroup.NONE),
    businessMetrics(em, workspaceId, range),
    em.find(Experiment, { workspace: workspaceId, status: ExperimentStatus.RUNNING }, { orderBy: { createdAt: 'asc' } }),
  ]);
  const experiments = await Promise.all(
    running.map(async (x) => ({ experimentId: x.id, name: x.name, results: await experimentResults(em, workspaceId, x, null) })),
  );
  const report: WeeklyReport = { weekStart: week.weekStart, from: week.from, to: week.to, service: service ?? null, business, experiments };
  // two processes making it at once: the unique week keeps one
  const inserted = await em
    .getConnection()
    .execute(
      `insert into weekly_report (id, workspace_id, week_start, report, created_at) values (?, ?, ?, ?, ?) on conflict do nothing`,
      [new StoredWeeklyReport().id, workspaceId, week.weekStart, JSON.stringify(report), now],
      'run',
    );
  return (inserted as { affectedRows?: number }).affectedRows === 0 ? null : week.weekStart;
}

/** The stored weekly reports, newest first. */
export async function weeklyReports(em: EntityManager, first: number): Promise<WeeklyReport[]> {
  const rows = await em.find(StoredWeeklyReport, {}, { orderBy: { weekStart: 'desc' }, limit: first });
  return rows.map(({ report }) => ({ ...report, from: new Date(report.from), to: new Date(report.to) }));
}
