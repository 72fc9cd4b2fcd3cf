import { forkForWorkspace } from '../context';
import { Outbox } from '../events/outbox';
import { sweepSla, queuesWithWaiting } from '../modules/queue/sla.service';
import { announceAssignments, routeUnderLock } from '../modules/queue/routing.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/**
 * Every minute: SLA targets at their warning point become AT_RISK and those past due BREACHED,
 * each alerted once; then, as a safety net, waiting conversations are routed to any capacity that
 * a skipped lock or a lost race left unused. Each workspace in its own transactions.
 */
export async function slaSweep({ orm, bus, clock }: JobDeps): Promise<void> {
  const now = clock.now();
  await forEachWorkspace(orm, async (workspace) => {
    const em = forkForWorkspace(orm, workspace.id);
    const alerts = new Outbox();
    const changed = await em.fork().transactional((tx) => sweepSla(tx, workspace.id, now, alerts));
    await alerts.publish(bus);
    if (changed) logger.info({ job: 'sla_sweep', workspaceId: workspace.id, changed }, `sla sweep: ${changed} targets changed state`);
    const waiting = await queuesWithWaiting(em, workspace.id);
    if (!waiting.length) return;
    const routed = new Outbox();
    announceAssignments(routed, workspace.id, await routeUnderLock(em, workspace.id, waiting, now), now);
    await routed.publish(bus);
  });
}
