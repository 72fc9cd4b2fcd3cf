import { Logger as WorkerLogger, run, runMigrations, type Runner, type TaskList } from 'graphile-worker';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db/sql';
import { logger } from '../telemetry/logger';
import { careTaskDue } from './care-jobs';
import { feedbackOverdue } from './feedback-jobs';
import { weeklyReport } from './report-jobs';
import { webhookDeliveries } from './webhook-jobs';
import { segmentRefresh } from './segment-jobs';
import { lifecycleAgeing, lifecycleReevaluate, type JobDeps } from './lifecycle-jobs';
import { slaSweep } from './sla-jobs';

/** graphile-worker's log lines, through the server's logger. */
const workerLogger = new WorkerLogger(() => (level, message, meta) => {
  const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
  logger[method]({ worker: meta }, message);
});

const tasks = (deps: JobDeps) =>
  ({
    lifecycle_ageing: () => lifecycleAgeing(deps),
    lifecycle_reevaluate: (payload) => lifecycleReevaluate(deps, payload as { workspaceId: string }),
    feedback_overdue: () => feedbackOverdue(deps),
    sla_sweep: () => slaSweep(deps),
    care_task_due: () => careTaskDue(deps),
    weekly_report: () => weeklyReport(deps),
    webhook_deliveries: () => webhookDeliveries(deps),
    segment_refresh: () => segmentRefresh(deps),
  }) satisfies TaskList;

export type TaskName = keyof ReturnType<typeof tasks>;

/** Lifecycle ageing every hour at minute 7 (not on the hour, when everyone else's cron runs); SLA, feedback and care task deadlines every minute; time-windowed segments every 15 minutes; the weekly report looks hourly whether it is due anywhere. */
const CRONTAB = [
  '7 * * * * lifecycle_ageing ?max=1',
  '* * * * * sla_sweep ?max=1',
  '* * * * * feedback_overdue ?max=1',
  '* * * * * care_task_due ?max=1',
  '*/15 * * * * segment_refresh ?max=1',
  '3 * * * * weekly_report ?max=1',
  '* * * * * webhook_deliveries ?max=1',
].join('\n');

/** The Postgres-backed job runner: scheduled sweeps and queued work, shared by every server process. */
export interface Jobs {
  /** Runs a task now, in this process, as the runner would (tests and operators). */
  runNow(task: TaskName, payload?: unknown): Promise<void>;
  /**
   * Resolves when the runner (not `runNow`) next finishes a job of this task, rejecting if it
   * failed: tests await it instead of polling for its effects.
   */
  nextRun(task: TaskName): Promise<void>;
  stop(): Promise<void>;
}

/** Installs or upgrades the job runner's own schema (`graphile_worker`). */
export const installJobs = (connectionString: string) => runMigrations({ connectionString, logger: workerLogger });

/** Starts the runner (schedule and queue) in this process; with `run` false, only `runNow` works. */
export async function startJobs(connectionString: string, deps: JobDeps, options: { run: boolean }): Promise<Jobs> {
  const taskList = tasks(deps);
  const runner: Runner | undefined = options.run
    ? await run({
        connectionString,
        concurrency: 2,
        maxPoolSize: 4,
        noHandleSignals: true,
        pollInterval: 2000,
        logger: workerLogger,
        taskList,
        crontab: CRONTAB,
      })
    : undefined;
  const waiters = new Map<string, { resolve(): void; reject(error: unknown): void }[]>();
  runner?.events.on('job:complete', ({ job, error }) => {
    const waiting = waiters.get(job.task_identifier);
    waiters.delete(job.task_identifier);
    for (const waiter of waiting ?? []) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  });
  return {
    runNow: async (task, payload = {}) => {
      await (taskList[task] as (payload: unknown) => Promise<void>)(payload);
    },
    nextRun: (task) =>
      new Promise((resolve, reject) => {
        if (!runner) return reject(new Error('the job runner is not running in this process'));
        waiters.set(task, [...(waiters.get(task) ?? []), { resolve, reject }]);
      }),
    stop: async () => {
      await runner?.stop();
    },
  };
}

/** Queues a task inside the caller's transaction: it runs only if the transaction commits; a pending one with the same key is replaced. */
export async function enqueue(tx: EntityManager, task: TaskName, payload: Record<string, unknown>, jobKey: string): Promise<void> {
  await sql(tx, `select graphile_worker.add_job(?, ?::json, job_key := ?)`, [task, JSON.stringify(payload), jobKey]);
}
