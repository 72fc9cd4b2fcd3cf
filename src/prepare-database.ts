import type { MikroORM } from '@mikro-orm/postgresql';
import { migrate } from './db/orm';
import { installJobs } from './jobs/runner';

/** Brings a database up to date for this build: our migrations, then the job runner's own schema. Returns ours applied. */
export async function prepareDatabase(orm: MikroORM): Promise<string[]> {
  const applied = await migrate(orm);
  await installJobs(orm.config.get('clientUrl')!);
  return applied;
}
