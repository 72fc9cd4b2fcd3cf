import { forkForWorkspace } from '../context';
import { Segment } from '../modules/segment/segment.entity';
import { publishChanges, refreshIn } from '../modules/segment/segment.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/**
 * Every 15 minutes: dynamic segments whose rule has a window relative to now are recomputed, each
 * in its own transaction; a failure is kept in `lastError` (and logged) and the next run retries.
 */
export async function segmentRefresh({ orm, bus, clock }: JobDeps): Promise<void> {
  await forEachWorkspace(orm, async (workspace) => {
    const em = forkForWorkspace(orm, workspace.id);
    for (const { id } of await em.find(Segment, { windowed: true })) {
      try {
        const changes = await em.fork().transactional(async (tx) => refreshIn(tx, (await tx.findOneOrFail(Segment, { id }))!, clock.now()));
        await publishChanges(bus, workspace.id, id, changes);
      } catch (error) {
        logger.warn({ job: 'segment refresh', segmentId: id, err: error }, 'segment refresh failed; the next run retries');
        await em.nativeUpdate(Segment, { id }, { lastError: error instanceof Error ? error.message : String(error) });
      }
    }
  });
}
