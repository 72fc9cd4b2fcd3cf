import { installJobs } from '../jobs/runner';
import { MikroORM, ReflectMetadataProvider, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../config';
import { migrationsList } from '../../migrations';
import { entities } from './entities';
import { logger } from '../telemetry/logger';
import { countStatement } from '../telemetry/request-scope';

/** MikroORM options for a database URL: every entity, every migration, a bounded pool. */
export function ormOptions(url: string, config: Pick<Config, 'poolSize' | 'poolAcquireTimeoutMs'>): Options {
  return {
    clientUrl: url,
    entities,
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, path: 'migrations' },
    pool: { min: 0, max: config.poolSize, idleTimeoutMillis: 10_000 },
    driverOptions: {
      acquireConnectionTimeout: config.poolAcquireTimeoutMs,
      // Statements with bound parameters are planned without looking at the values: a workspace is
      // then estimated from the number of workspaces. With the values, one that grew since the last
      // ANALYZE is estimated at one row, any index that starts with workspace_id looks as cheap as
      // the one that fits the key, and a lookup of a customer by id scans the workspace. The ORM
      // writes its values into the SQL text, so key lookups on hot paths go through `sql`; whole-
      // workspace reads opt out (planWholeWorkspaceRead).
      connection: { connectionTimeoutMillis: config.poolAcquireTimeoutMs, application_name: 'cdp-api', options: '-c plan_cache_mode=force_generic_plan' },
      log: {
        warn: (message: unknown) => logger.warn({ knex: message }, 'database warning'),
        error: (message: unknown) => logger.warn({ knex: message }, 'database connection error'),
        deprecate: () => {},
        debug: () => {},
      },
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: false,
    logger: (message) => logger.debug(message),
    onQuery: (sql) => {
      countStatement();
      return sql;
    },
  };
}

/** Connects the ORM; call {@link migrate} before serving. */
export function connectOrm(url: string, config: Pick<Config, 'poolSize' | 'poolAcquireTimeoutMs'>): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, config));
}

/** Applies pending migrations, and the job runner's own; returns the names of ours applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  await installJobs(orm.config.get('clientUrl')!);
  return applied.map((migration) => migration.name);
}
