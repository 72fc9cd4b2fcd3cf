import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { connectOrm } from './db/orm';
import { prepareAppRole, prepareDatabase } from './prepare-database';
import { ensureDefaultWorkspace } from './modules/workspace/workspace.service';
import { startServer } from './server';
import { explainStartupFailure, type StartupTarget } from './startup-error';
import { logger } from './telemetry/logger';

/** `npm start`: database (embedded and supervised unless DATABASE_URL), migrations, default workspace, server. */
async function main(target: StartupTarget): Promise<void> {
  const config = loadConfig();
  Object.assign(target, { databaseUrl: config.databaseUrl, port: config.port });
  let database: Database | undefined;
  try {
    database = await openDatabase(config, {
      log: (message) => logger.debug(message),
      supervise: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    });
    if (database.clusterDir) logger.info({ clusterDir: database.clusterDir }, `embedded PostgreSQL data in ${database.clusterDir}`);
    // the owner migrates and sets up; the server then connects as a role the row-level policies bind
    const owner = await connectOrm(database.url, config);
    let appUrl: string;
    try {
      const applied = await prepareDatabase(owner);
      if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
      appUrl = await prepareAppRole(owner, config.appDatabaseUrl);
      const created = await ensureDefaultWorkspace(owner.em.fork(), config.adminKey);
      if (created) {
        logger.info({ workspaceId: created.workspace.id }, 'created the default workspace');
        if (!config.adminKey) {
          process.stdout.write(`\nDefault workspace ${created.workspace.id}; its admin key (shown once, keep it):\n\n  ${created.adminKey}\n\n`);
        }
      }
    } finally {
      await owner.close();
    }
    const orm = await connectOrm(appUrl, config);

    const server = await startServer({ config, orm, databaseUrl: appUrl });
    const opened = database;
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        logger.warn('second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: draining requests');
      await server.stop();
      await orm.close();
      await opened.release();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (error) {
    await database?.release().catch(() => {});
    throw error;
  }
}

const target: StartupTarget = {};
main(target).catch((error) => {
  logger.debug({ err: error }, 'start failed');
  process.stderr.write(`cdp-api could not start: ${explainStartupFailure(error, target)}\n`);
  process.exit(1);
});
