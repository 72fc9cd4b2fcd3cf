import cluster, { type Worker } from 'node:cluster';
import { StartupError } from './startup-error';
import { logger } from './telemetry/logger';

/** The environment variable that hands a worker the database URL the primary prepared. */
export const WORKER_DATABASE_URL = 'CDP_WORKER_DATABASE_URL';

/** What a worker that cannot start tells the primary, which then reports it once (the port is taken, say). */
export interface StartFailed {
  type: 'start-failed';
  reason: string;
}

/** Workers that die this often, each within this long of its start, are not replaced: something is wrong with all of them. */
const CRASHES_TO_GIVE_UP = 5;
const EARLY_DEATH_MS = 5_000;

export interface Workers {
  /** Resolves once every worker serves; rejects with the reason the first that cannot start gives, after stopping the rest. */
  started: Promise<void>;
  /** Stops every worker (each drains its requests) and resolves once all have exited. */
  stop(): Promise<void>;
  /** Resolves when the workers gave up (they kept crashing on start): the caller shuts down. */
  failed: Promise<void>;
}

/**
 * Forks `count` workers that serve the same port (node:cluster shares the listening socket) on the
 * database the primary prepared, and replaces one that exits unexpectedly.
 */
export function forkWorkers(count: number, databaseUrl: string): Workers {
  const env = { [WORKER_DATABASE_URL]: databaseUrl };
  const startedAt = new Map<Worker, number>();
  let stopping = false;
  let earlyDeaths = 0;
  let giveUp!: () => void;
  const failed = new Promise<void>((resolve) => (giveUp = resolve));
  const fork = () => startedAt.set(cluster.fork(env), Date.now());
  const stopAll = async () => {
    stopping = true;
    const exits = [...startedAt.keys()].map((worker) => new Promise((resolve) => (worker.isDead() ? resolve(undefined) : worker.once('exit', resolve))));
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    await Promise.all(exits);
  };
  let listening = 0;
  let failStart!: (error: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    failStart = reject;
    cluster.on('listening', () => ++listening === count && resolve());
    cluster.on('message', (_worker, message: Partial<StartFailed>) => {
      if (message?.type !== 'start-failed' || listening >= count || stopping) return;
      void stopAll().then(() => reject(new StartupError(message.reason ?? 'a worker could not start')));
    });
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) return;
    earlyDeaths = lived < EARLY_DEATH_MS ? earlyDeaths + 1 : 0;
    if (earlyDeaths >= CRASHES_TO_GIVE_UP) {
      logger.error({ pid: worker.process.pid, code, signal }, `${earlyDeaths} workers in a row died within ${EARLY_DEATH_MS} ms of starting: giving up`);
      giveUp();
      if (listening < count) failStart(new StartupError(`the workers kept dying as they started (${earlyDeaths} in a row)`));
      return;
    }
    logger.warn({ pid: worker.process.pid, code, signal }, 'a worker exited unexpectedly: starting another');
    fork();
  });
  for (let i = 0; i < count; i++) fork();

  return { started, failed, stop: stopAll };
}
