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
      connection: { connectionTimeoutMillis: config.poolAcquireTimeoutMs, application_name: 'cdp-api' },
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
