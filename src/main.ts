import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './db/database';
import { connectOrm } from './db/orm';
import { prepareAppRole, prepareDatabase } from './prepare-database';
import { ensureDefaultWorkspace } from './modules/workspace/workspace.service';
import { startServer } from './server';
import { explainStartupFailure, type StartupTarget } from './startup-error';
import { logger } from './telemetry/logger';
import { forkWorkers, WORKER_DATABASE_URL, type StartFailed } from './workers';

/**
 * `npm start`: database (embedded and supervised unless DATABASE_URL), migrations, default
 * workspace, then the server: in this process with CDP_WORKERS=1, else in that many workers.
 */
async function main(target: StartupTarget): Promise<void> {
  const config = loadConfig();
  Object.assign(target, { databaseUrl: config.databaseUrl, port: config.port });
  if (cluster.isWorker) {
    await serve(config, process.env[WORKER_DATABASE_URL]!);
    return;
  }
  let database: Database | undefined;
  try {
    database = await openDatabase(config, {
      log: (message) => logger.debug(message),
      supervise: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    });
    if (database.clusterDir) logger.info({ clusterDir: database.clusterDir }, `embedded PostgreSQL data in ${database.clusterDir}`);
    const appUrl = await prepare(database.url, config);
    const opened = database;
    if (config.workers === 1) {
      const stopServing = await serve(config, appUrl);
      onSignals(async () => {
        await stopServing();
        await opened.release();
      });
      return;
    }
    const workers = forkWorkers(config.workers, appUrl);
    await workers.started;
    logger.info({ workers: config.workers }, `serving from ${config.workers} worker processes`);
    const stop = async () => {
      await workers.stop();
      await opened.release();
    };
    onSignals(stop);
    void workers.failed.then(() => stop().finally(() => process.exit(1)));
  } catch (error) {
    await database?.release().catch(() => {});
    throw error;
  }
}

/** As the tables' owner: migrations, the server's role, the default workspace. Returns the URL the server connects with. */
async function prepare(ownerUrl: string, config: Config): Promise<string> {
  // the owner migrates and sets up; the server then connects as a role the row-level policies bind
  const owner = await connectOrm(ownerUrl, config);
  try {
    const applied = await prepareDatabase(owner);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
    const appUrl = await prepareAppRole(owner, config.appDatabaseUrl);
    const created = await ensureDefaultWorkspace(owner.em.fork(), config.adminKey);
    if (created) {
      logger.info({ workspaceId: created.workspace.id }, 'created the default workspace');
      if (!config.adminKey) {
        process.stdout.write(`\nDefault workspace ${created.workspace.id}; its admin key (shown once, keep it):\n\n  ${created.adminKey}\n\n`);
      }
    }
    return appUrl;
  } finally {
    await owner.close();
  }
}

/**
 * Serves on `databaseUrl` until stopped; returns the stop. A worker stops on its first signal and
 * ignores the rest: Ctrl-C reaches every process of the terminal's group, and the primary decides.
 */
async function serve(config: Config, databaseUrl: string): Promise<() => Promise<void>> {
  const orm = await connectOrm(databaseUrl, config);
  const server = await startServer({ config, orm, databaseUrl });
  const stop = async () => {
    await server.stop();
    await orm.close();
  };
  if (cluster.isWorker) {
    let stopping = false;
    const drain = () => {
      if (stopping) return;
      stopping = true;
      void stop().then(() => process.exit(0));
    };
    process.on('SIGINT', drain);
    process.on('SIGTERM', drain);
  }
  return stop;
}

/** The primary's shutdown: the first SIGINT or SIGTERM drains and stops; a second exits at once. */
function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    await stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

const target: StartupTarget = {};
main(target).catch((error) => {
  logger.debug({ err: error }, 'start failed');
  const reason = explainStartupFailure(error, target);
  // a worker leaves the one line to the primary
  if (cluster.isWorker) process.send!({ type: 'start-failed', reason } satisfies StartFailed, () => process.exit(1));
  else {
    process.stderr.write(`cdp-api could not start: ${reason}\n`);
    process.exit(1);
  }
});
