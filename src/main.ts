import 'reflect-metadata';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { connectOrm, migrate } from './db/orm';
import { ensureDefaultWorkspace } from './modules/workspace/workspace.service';
import { startServer } from './server';
import { logger } from './telemetry/logger';

/** `npm start`: database (embedded unless DATABASE_URL), migrations, default workspace, server. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, (message) => logger.debug(message));
  const orm = await connectOrm(database.url, config);
  const applied = await migrate(orm);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

  const created = await ensureDefaultWorkspace(orm.em.fork(), config.adminKey);
  if (created) {
    logger.info({ workspaceId: created.workspace.id }, 'created the default workspace');
    if (!config.adminKey) {
      process.stdout.write(`\nDefault workspace ${created.workspace.id}; its admin key (shown once, keep it):\n\n  ${created.adminKey}\n\n`);
    }
  }

  const server = await startServer({ config, orm, databaseUrl: database.url });
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
    await database.release();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
