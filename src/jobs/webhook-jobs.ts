import { forkForWorkspace } from '../context';
import { deliverDue } from '../modules/webhook/webhook.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/** Every minute: each workspace's deliveries due (retries after back-off), outside any request; old deliveries go. */
export async function webhookDeliveries({ orm, clock }: JobDeps): Promise<void> {
  await forEachWorkspace(orm, async (workspace) => {
    const sent = await deliverDue(forkForWorkspace(orm, workspace.id), workspace.id, workspace.settings, clock.now());
    if (sent) logger.info({ job: 'webhook deliveries', workspaceId: workspace.id, sent }, `webhook deliveries: ${sent} attempted`);
  });
}
