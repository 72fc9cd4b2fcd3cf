import { claimDueTasks } from '../modules/care/care-task.service';
import { logger } from '../telemetry/logger';
import type { JobDeps } from './lifecycle-jobs';
import { forEachWorkspace } from './each-workspace';

/** Tasks per bus message: an id pair is about 80 bytes, NOTIFY takes under 8000. */
const PER_MESSAGE = 80;

/** Every minute: care tasks falling due (within the workspace's notice) and those past due are announced on careTaskDue, each once as each. */
export async function careTaskDue({ orm, bus, clock }: JobDeps): Promise<void> {
  await forEachWorkspace(orm, async ({ id: ws, settings }) => {
    const tasks = await orm.em.fork().transactional((tx) => claimDueTasks(tx, ws, clock.now(), settings.careTaskNoticeHours));
    for (let i = 0; i < tasks.length; i += PER_MESSAGE) await bus.publish('CARE_TASK_DUE', { ws, tasks: tasks.slice(i, i + PER_MESSAGE) });
    if (tasks.length) logger.info({ job: 'care task due', workspaceId: ws, tasks: tasks.length }, `care tasks due: ${tasks.length}`);
  });
}
