import type { EntityManager } from '@mikro-orm/postgresql';
import { readByKey } from '../../db/sql';
import { WorkspaceErrors } from './workspace.errors';
import { withDefaults, type WorkspaceSettings } from './workspace-settings.types';

/** A workspace's settings by one prepared read, without the ORM: for hot paths that need only them (the intake). */
export async function readSettings(em: EntityManager, id: string): Promise<WorkspaceSettings> {
  const [row] = await readByKey<{ stored_settings: Partial<WorkspaceSettings> }>(em, `select stored_settings from workspace where id = ?`, [id]);
  if (!row) throw WorkspaceErrors.notFound(id);
  return withDefaults(row.stored_settings);
}
