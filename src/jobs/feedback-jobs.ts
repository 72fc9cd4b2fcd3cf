import { claimOverdue } from '../modules/feedback/feedback.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';

/** Ids per bus message: NOTIFY payloads stay under 8000 bytes. */
const PER_MESSAGE = 150;

/** Every minute: feedback items past a deadline are marked and published, each once. */
export async function feedbackOverdue({ orm, bus, clock }: JobDeps): Promise<void> {
  const claimed = await orm.em.fork().transactional((tx) => claimOverdue(tx, clock.now()));
  const byWorkspace = new Map<string, string[]>();
  for (const { workspace_id, id } of claimed) byWorkspace.set(workspace_id, [...(byWorkspace.get(workspace_id) ?? []), id]);
  for (const [ws, ids] of byWorkspace) {
    for (let i = 0; i < ids.length; i += PER_MESSAGE) await bus.publish('FEEDBACK_OVERDUE', { ws, ids: ids.slice(i, i + PER_MESSAGE) });
  }
  if (claimed.length) logger.info({ job: 'feedback overdue', items: claimed.length }, `feedback overdue: ${claimed.length} items`);
}
