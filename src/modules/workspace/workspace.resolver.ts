import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { Workspace } from './workspace.entity';
import { updateWorkspaceSettings } from './workspace.service';
import { viewerWorkspace } from './workspace.loaders';
import { WorkspaceSettingsInput } from './workspace-settings.input';

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorized(...may.readWorkspace)
  @Query(() => Workspace, { description: 'The workspace of the calling API key.' })
  workspace(@Ctx() ctx: Context): Promise<Workspace> {
    return viewerWorkspace(ctx);
  }

  @Authorized(...may.administer)
  @Mutation(() => Workspace)
  updateWorkspaceSettings(@Arg('input', () => WorkspaceSettingsInput) input: WorkspaceSettingsInput, @Ctx() ctx: Context): Promise<Workspace> {
    return updateWorkspaceSettings(ctx.em, ctx.bus, ctx.viewer, input);
  }
}
