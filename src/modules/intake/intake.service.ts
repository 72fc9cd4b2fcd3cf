import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { forkForWorkspace } from '../../context';
import { withRetries } from '../../db/sql';
import { AppError, isDatabaseUnavailable } from '../../errors';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { forEachWorkspace } from '../../jobs/each-workspace';
import { runInWorkspace } from '../../telemetry/request-scope';
import { ingestWithin, publishIngested, type Published } from '../ingestion/ingestion.service';
import { MAX_BATCH } from '../ingestion/item-validation.service';
import { readSettings } from '../workspace/workspace-settings.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { claimRows, hasWaiting, insertRows, lockShards, purgeTally, reclaimRows, requeueRows, settleRows, type ClaimedRow, type Settled } from './intake.sql';
import { SHARDS, toIntakeRow, type SegmentMessage, type SegmentType } from './segment-api.rules';

/** Rows applied per transaction: ingestion's own limit per batch. */
const BATCH = MAX_BATCH;
/** Shards one drainer takes at a time, so that others find some free. */
const SHARDS_PER_DRAINER = SHARDS / 2;
/** How often every workspace is looked at, for rows no notification announced (a restart, a retry elsewhere). */
const SWEEP_MS = 5000;

/** A call as the route hands it over: its type (from the path or its own field) and body. */
export interface IntakeCall {
  type: SegmentType;
  message: SegmentMessage;
}

/**
 * Stores calls of Segment's API in the intake, in one statement, deduplicated by messageId, and
 * announces them to the drainers of every process. Calls that cannot become an event (no
 * identifier, a track without a name) are stored as failed, visible with their reason.
 */
export async function acceptCalls(em: EntityManager, bus: EventBus, viewer: Viewer, calls: IntakeCall[], batchSentAt: unknown, now: Date): Promise<number> {
  accepting++;
  try {
    const settings = await readSettings(em, viewer.workspaceId);
    const rows = calls.map((call) => toIntakeRow(call.message, call.type, now, batchSentAt, settings.defaultPhoneRegion));
    const stored = await insertRows(em, viewer.workspaceId, viewer.keyId, now, rows);
    if (stored > 0) await bus.publish('INTAKE_ACCEPTED', { ws: viewer.workspaceId });
    return stored;
  } finally {
    accepting--;
  }
}

/** Requests of this process storing calls right now: while several are, a drainer waits a little before its next batch. */
let accepting = 0;
/** Durable first: a burst of calls is stored before it is resolved, but a drainer never waits longer than this for its batch. */
const YIELD_AT = 3;
const MAX_YIELD_MS = 1000;

async function yieldToAccepts(): Promise<void> {
  const until = Date.now() + MAX_YIELD_MS;
  while (accepting >= YIELD_AT && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Puts failed calls back in line for the drainers; returns the ids that were failed. */
export async function retryIntake(em: EntityManager, bus: EventBus, viewer: Viewer, ids: string[]): Promise<string[]> {
  const numeric = ids.filter((id) => /^\d{1,18}$/.test(id));
  const requeued = numeric.length ? await requeueRows(em, viewer.workspaceId, numeric) : [];
  if (requeued.length) await bus.publish('INTAKE_ACCEPTED', { ws: viewer.workspaceId });
  return requeued;
}

/**
 * Applies the intake through ingestion, in the background of every server process: woken by
 * INTAKE_ACCEPTED, and every few seconds for every workspace. Each pass takes free shards of one
 * workspace (so drainers in any number of processes share the work, each shard in event-time
 * order), applies up to {@link BATCH} rows in one transaction exactly as `ingest` would, and marks
 * them applied or failed in it. A batch that throws is split until the row that throws is alone,
 * which is kept as a dead letter; the others go on.
 */
export class IntakeDrainer {
  private readonly waiting = new Set<string>();
  private readonly loops: Promise<void>[] = [];
  private running = 0;
  private stopped = false;
  private sweepTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  /** Who waits for the next batch to settle (or for the drainers to go idle). */
  private batchWaiters: (() => void)[] = [];

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly concurrency = 2,
  ) {}

  start(): void {
    const accepted = this.bus.subscribe('INTAKE_ACCEPTED');
    this.unsubscribe = () => void accepted.return?.();
    void (async () => {
      for await (const { ws } of accepted) this.wake(ws);
    })();
    const sweep = () => {
      this.sweepTimer = setTimeout(() => void this.sweep().finally(() => !this.stopped && sweep()), SWEEP_MS);
      this.sweepTimer.unref();
    };
    sweep();
    void this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    this.unsubscribe?.();
    await Promise.all(this.loops);
  }

  /** Resolves once nothing waits in the workspace's intake (tests and benches wait for it after sending). */
  async drained(workspaceId: string): Promise<void> {
    for (;;) {
      const settled = new Promise<void>((resolve) => this.batchWaiters.push(resolve));
      if (!(await runInWorkspace(workspaceId, () => hasWaiting(forkForWorkspace(this.orm, workspaceId), workspaceId)))) return;
      this.wake(workspaceId);
      await settled;
    }
  }

  private wake(workspaceId: string): void {
    if (this.stopped) return;
    this.waiting.add(workspaceId);
    while (this.running < this.concurrency) {
      this.running++;
      const loop = this.loop().finally(() => {
        this.running--;
        this.loops.splice(this.loops.indexOf(loop), 1);
        this.settled();
      });
      this.loops.push(loop);
    }
  }

  /**
   * Drains workspaces in turn, one batch each, until none has anything this drainer can take.
   * Several drainers may work one workspace at once, on different shards.
   */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      const [workspaceId] = this.waiting;
      if (!workspaceId) return;
      // to the back of the line: workspaces take turns
      this.waiting.delete(workspaceId);
      this.waiting.add(workspaceId);
      await yieldToAccepts();
      try {
        const settled = await runInWorkspace(workspaceId, () => this.drainOnce(workspaceId));
        if (settled > 0) this.wake(workspaceId);
        else this.waiting.delete(workspaceId);
      } catch (error) {
        this.waiting.delete(workspaceId);
        this.log.warn({ err: error, workspaceId }, 'intake drain failed; it is tried again at the next sweep');
      } finally {
        this.settled();
      }
    }
  }

  private settled(): void {
    for (const resolve of this.batchWaiters.splice(0)) resolve();
  }

  private async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const now = this.clock.now();
      await forEachWorkspace(this.orm, async ({ id }) => {
        await purgeTally(forkForWorkspace(this.orm, id), id, now);
        this.wake(id);
      });
    } catch (error) {
      this.log.warn({ err: error }, 'intake sweep failed');
    }
  }

  /** One batch of one workspace; returns how many rows it settled (0: nothing this drainer could take). */
  private async drainOnce(workspaceId: string): Promise<number> {
    const em = forkForWorkspace(this.orm, workspaceId);
    const settings = await readSettings(em, workspaceId);
    const order = rotate(SHARDS);
    let claimed: ClaimedRow[] = [];
    try {
      const outcome = await withRetries(em, async (tx) => {
        const shards = await lockShards(tx, workspaceId, order, SHARDS_PER_DRAINER);
        claimed = shards.length ? await claimRows(tx, workspaceId, shards, BATCH) : [];
        return claimed.length ? this.apply(tx, workspaceId, settings, claimed) : null;
      });
      if (outcome) await publishIngested(this.bus, workspaceId, outcome);
      return claimed.length;
    } catch (error) {
      if (isTransient(error) || claimed.length === 0) throw error;
      this.log.warn({ err: error, workspaceId, rows: claimed.length }, 'an intake batch failed; applying it in parts');
      await this.split(
        em,
        workspaceId,
        settings,
        claimed.map((row) => row.id),
      );
      return claimed.length;
    }
  }

  /** Applies the rows in halves, each in its own transaction, down to the one that fails, which becomes a dead letter. */
  private async split(em: EntityManager, workspaceId: string, settings: WorkspaceSettings, ids: string[]): Promise<void> {
    if (ids.length === 1) {
      await withRetries(em, (tx) =>
        settleRows(tx, workspaceId, [{ id: ids[0], code: 'INTERNAL', message: 'the event could not be applied', lagSeconds: 0 }], this.clock.now()),
      );
      return;
    }
    for (const half of [ids.slice(0, ids.length / 2), ids.slice(ids.length / 2)]) {
      try {
        const outcome = await withRetries(em, async (tx) => {
          const rows = await reclaimRows(tx, workspaceId, half);
          return rows.length ? this.apply(tx, workspaceId, settings, rows) : null;
        });
        if (outcome) await publishIngested(this.bus, workspaceId, outcome);
      } catch (error) {
        if (isTransient(error)) throw error;
        await this.split(em, workspaceId, settings, half);
      }
    }
  }

  /** Ingests the rows in order (runs of one API key at a time, so merges are audited to the key that sent them) and settles each. */
  private async apply(tx: EntityManager, workspaceId: string, settings: WorkspaceSettings, rows: ClaimedRow[]): Promise<Published> {
    const now = this.clock.now();
    const total: Published = { transitions: [], segmentChanges: [], auditEntryIds: [] };
    const settled: Settled[] = [];
    for (const run of runsByKey(rows)) {
      const items = run.map((row) => ({ ...row.item, occurredAt: new Date(row.item.occurredAt) }));
      const outcome = await ingestWithin(tx, { workspaceId, settings, now, actorKeyId: run[0].key_id }, items);
      const failed = new Map(outcome.errors.map((error) => [error.index, error]));
      run.forEach((row, index) =>
        settled.push({
          id: row.id,
          code: failed.get(index)?.code ?? null,
          message: failed.get(index)?.message ?? null,
          lagSeconds: (now.getTime() - new Date(row.received_at).getTime()) / 1000,
        }),
      );
      total.transitions.push(...outcome.transitions);
      total.segmentChanges.push(...outcome.segmentChanges);
      total.auditEntryIds.push(...outcome.auditEntryIds);
    }
    await settleRows(tx, workspaceId, settled, now);
    return total;
  }
}

/** A failure that says nothing about the rows (the database away, contention that outlasted the retries): they wait for the next pass. */
const isTransient = (error: unknown): boolean => isDatabaseUnavailable(error) || (error instanceof AppError && error.code === 'CONFLICT');

/** 0..n-1 starting at a random place, so drainers of several processes start on different shards. */
const rotate = (n: number): number[] => {
  const start = Math.floor(Math.random() * n);
  return Array.from({ length: n }, (_, i) => (start + i) % n);
};

function runsByKey(rows: ClaimedRow[]): ClaimedRow[][] {
  const runs: ClaimedRow[][] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last && last[0].key_id === row.key_id) last.push(row);
    else runs.push([row]);
  }
  return runs;
}
