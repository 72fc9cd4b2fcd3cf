import { forkForWorkspace } from '../context';
import { deliverDue, DUE_PAGE } from '../modules/webhook/webhook.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/** A run goes on taking full pages of due deliveries for at most this long; the next run (queued on commit, or the minute's) takes the rest. */
const RUN_MS = 50_000;

/** Every minute, and after each commit that wrote some: each workspace's deliveries due (retries after back-off), outside any request; old deliveries go. */
export async function webhookDeliveries({ orm, clock }: JobDeps): Promise<void> {
  const until = Date.now() + RUN_MS;
  await forEachWorkspace(orm, async (workspace) => {
    let sent = 0;
    for (let page = DUE_PAGE; page === DUE_PAGE && Date.now() < until; sent += page) {
      page = await deliverDue(forkForWorkspace(orm, workspace.id), workspace.id, workspace.settings, clock.now());
    }
    if (sent) logger.info({ job: 'webhook deliveries', workspaceId: workspace.id, sent }, `webhook deliveries: ${sent} attempted`);
  });
}
