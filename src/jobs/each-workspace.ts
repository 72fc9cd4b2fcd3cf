import type { MikroORM } from '@mikro-orm/postgresql';
import { Workspace } from '../modules/workspace/workspace.entity';
import { runInWorkspace } from '../telemetry/request-scope';

/** Runs a job's work for every workspace in turn, its statements confined to that workspace as a request's are (row-level security). */
export async function forEachWorkspace(orm: MikroORM, work: (workspace: Workspace) => Promise<void>): Promise<void> {
  const workspaces = await orm.em.fork().find(Workspace, {}, { filters: false });
  for (const workspace of workspaces) await runInWorkspace(workspace.id, () => work(workspace));
}
