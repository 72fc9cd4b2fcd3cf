import { Filter } from '@mikro-orm/core';

/**
 * Every workspace-owned entity carries this filter. It is on by default and needs the workspace id,
 * so a query run without `em.setFilterParams('workspace', { id })` fails instead of leaking rows.
 */
export const WorkspaceScoped = () => Filter({ name: 'workspace', cond: (args: { id: string }) => ({ workspace: args.id }), default: true });
