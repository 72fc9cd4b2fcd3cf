import type { Context } from '../../context';
import { Workspace } from './workspace.entity';
import { WorkspaceErrors } from './workspace.errors';

/** The viewer's workspace, read once per request with the request's other reads. */
export const viewerWorkspace = (ctx: Context): Promise<Workspace> =>
  ctx.loaders
    .named<string, Workspace>('viewerWorkspace', async (ids) => {
      const rows = await ctx.loaders.read(`select * from workspace where id = any(?::uuid[])`, [ids]);
      const byId = new Map(rows.map(ctx.loaders.rows(Workspace)).map((workspace) => [workspace.id, workspace]));
      // DataLoader rejects the load of a key answered with an Error
      return ids.map((id) => byId.get(id) ?? WorkspaceErrors.notFound(id)) as Workspace[];
    })
    .load(ctx.viewer.workspaceId);
