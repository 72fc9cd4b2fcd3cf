import { forkForWorkspace } from '../context';
import { Segment } from '../modules/segment/segment.entity';
import { publishChanges, refreshIn } from '../modules/segment/segment.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';

/**
 * Every 15 minutes: dynamic segments whose rule has a window relative to now are recomputed, each
 * in its own transaction; a failure is kept in `lastError` (and logged) and the next run retries.
 */
export async function segmentRefresh({ orm, bus, clock }: JobDeps): Promise<void> {
  const segments = await orm.em.fork().find(Segment, { windowed: true }, { filters: false });
  for (const { id, workspace } of segments) {
    const em = forkForWorkspace(orm, workspace.id);
    try {
      const changes = await em.fork().transactional(async (tx) => refreshIn(tx, (await tx.findOneOrFail(Segment, { id }))!, clock.now()));
      await publishChanges(bus, workspace.id, id, changes);
    } catch (error) {
      logger.warn({ job: 'segment refresh', segmentId: id, err: error }, 'segment refresh failed; the next run retries');
      await em.nativeUpdate(Segment, { id }, { lastError: error instanceof Error ? error.message : String(error) });
    }
  }
}
