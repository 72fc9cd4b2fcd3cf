import { MikroORM, ReflectMetadataProvider, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../config';
import { migrationsList } from '../../migrations';
import { entities } from './entities';
import { logger } from '../telemetry/logger';
import { countStatement } from '../telemetry/request-scope';
import { isDatabaseUnavailable } from '../errors';
import { oneLine, StartupError } from '../startup-error';
import { installWorkspaceSessions } from './workspace-session';

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
export async function connectOrm(url: string, config: Pick<Config, 'poolSize' | 'poolAcquireTimeoutMs'>): Promise<MikroORM> {
  installWorkspaceSessions();
  const orm = await MikroORM.init(ormOptions(url, config));
  const check = await orm.checkConnection();
  if (!check.ok) {
    await orm.close();
    throw check.error ?? new Error(check.reason);
  }
  return orm;
}

/** Applies pending migrations; returns the names of those applied. (`prepareDatabase` adds the job runner's.) */
export async function migrate(orm: MikroORM): Promise<string[]> {
  let applied: { name: string }[];
  try {
    applied = await orm.getMigrator().up();
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    // umzug's message holds the whole statement; the name and PostgreSQL's reason are what help
    const message = oneLine((error as Error).message);
    const [, name, reason] = /^Migration (\S+) \(up\) failed: Original error: (?:[\s\S]* - )?(.*)$/.exec(message) ?? [undefined, 'a migration', message];
    throw new StartupError(
      `migration ${name} failed: ${reason}`,
      'nothing of it was applied; repair the database (or restore it from a backup) and start again',
    );
  }
  return applied.map((migration) => migration.name);
}
