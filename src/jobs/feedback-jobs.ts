import { claimOverdue } from '../modules/feedback/feedback.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/** Ids per bus message: NOTIFY payloads stay under 8000 bytes. */
const PER_MESSAGE = 150;

/** Every minute: feedback items past a deadline are marked and published, each once. */
export async function feedbackOverdue({ orm, bus, clock }: JobDeps): Promise<void> {
  await forEachWorkspace(orm, async ({ id: ws }) => {
    const ids = await orm.em.fork().transactional((tx) => claimOverdue(tx, ws, clock.now()));
    for (let i = 0; i < ids.length; i += PER_MESSAGE) await bus.publish('FEEDBACK_OVERDUE', { ws, ids: ids.slice(i, i + PER_MESSAGE) });
    if (ids.length) logger.info({ job: 'feedback overdue', workspaceId: ws, items: ids.length }, `feedback overdue: ${ids.length} items`);
  });
}
