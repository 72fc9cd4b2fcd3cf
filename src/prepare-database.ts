import type { MikroORM } from '@mikro-orm/postgresql';
import { migrate } from './db/orm';
import { ensureAppRole, grantAppRole, roleOf } from './db/app-role';
import { installJobs } from './jobs/runner';
import { logger } from './telemetry/logger';

/** Brings a database up to date for this build, as its owner: our migrations, then the job runner's own schema. Returns ours applied. */
export async function prepareDatabase(orm: MikroORM): Promise<string[]> {
  const applied = await migrate(orm);
  await installJobs(orm.config.get('clientUrl')!);
  return applied;
}

/**
 * The URL the server is to connect with, its role granted what it needs: `configured`
 * (`CDP_APP_DATABASE_URL`), or the role this owner creates; with neither, the owner's own, and
 * row-level security does not bind it (said once in the log).
 */
export async function prepareAppRole(orm: MikroORM, configured?: string): Promise<string> {
  const ownerUrl = orm.config.get('clientUrl')!;
  const appUrl = configured ?? (await ensureAppRole(ownerUrl));
  if (!appUrl || roleOf(appUrl) === roleOf(ownerUrl)) {
    logger.warn(
      'row-level security is not in force: the server connects as the tables owner; set CDP_APP_DATABASE_URL to a role that owns nothing (see the README)',
    );
    return ownerUrl;
  }
  await grantAppRole(orm.em.fork(), roleOf(appUrl));
  return appUrl;
}
