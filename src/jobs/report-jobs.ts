import { forkForWorkspace } from '../context';
import { makeWeeklyReport } from '../modules/metrics/weekly-report.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/** Hourly: each workspace's report of last week, once it is Monday 08:00 there (made once). */
export async function weeklyReport({ orm, clock }: JobDeps): Promise<void> {
  await forEachWorkspace(orm, async (workspace) => {
    const week = await makeWeeklyReport(forkForWorkspace(orm, workspace.id), workspace.id, workspace.settings, clock.now());
    if (week) logger.info({ job: 'weekly report', workspaceId: workspace.id, week }, `weekly report of the week of ${week}`);
  });
}
