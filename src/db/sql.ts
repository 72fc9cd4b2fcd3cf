import type { EntityManager } from '@mikro-orm/postgresql';
import { DatabaseErrors } from './database.errors';
import { readPipeline, type Row, type Statement } from './pipeline';

/**
 * Runs one SQL statement with real bound parameters (`?` placeholders; arrays bind as PostgreSQL
 * arrays), inside the EntityManager's transaction when it has one. For set-based statements the
 * ORM cannot express; every value is a parameter, never spliced into the text. The statement is
 * prepared once per connection: a transaction runs many of these, and parsing and planning each
 * one again is much of what they cost the server.
 */
export async function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const [rows] = await readPipeline(em, [{ text, params, prepared: true }]);
  return rows as T[];
}

/**
 * Runs one large read (a whole-workspace segment, a month of metrics) in its own transaction with
 * 64 MB of work_mem, so its sorts and hashes stay off the disk; the setting ends with the transaction.
 */
export function withWorkMemory<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await raiseWorkMemory(tx);
    return work(tx);
  });
}

/** The same inside the caller's transaction, for the rest of it. */
export const raiseWorkMemory = (tx: EntityManager) => sql(tx, `select set_config('work_mem', '64MB', true)`);

/**
 * A step that has the statements after it planned without looking at the values bound, so a
 * workspace is estimated from the number of workspaces, not from its own statistics. For paths
 * that only probe by key, such as ingestion and the customer loaders: a workspace that grew since
 * the last ANALYZE is otherwise estimated at one row, and then any index that starts with
 * workspace_id looks as cheap as the one that fits the key, which turns each probe into a scan of
 * the workspace. It keeps the mode it replaces for {@link restorePlanMode}.
 */
export const planForAnyWorkspace = (): Statement => ({
  text: `select set_config('cdp.replaced_plan_cache_mode', current_setting('plan_cache_mode'), true), set_config('plan_cache_mode', 'force_generic_plan', true)`,
});

/** Puts back the mode {@link planForAnyWorkspace} replaced, so the rest of a caller's transaction is planned as before. */
export const restorePlanMode = (): Statement => ({ text: `select set_config('plan_cache_mode', current_setting('cdp.replaced_plan_cache_mode'), true)` });

/**
 * Runs statements that probe by key ({@link sql}'s placeholders), planned for any workspace, in
 * order and in a single round trip: in the EntityManager's transaction when it has one (which then
 * goes on planned as before), else on their own, where the setting ends with them. Resolves to each
 * statement's rows.
 */
export async function byKey(em: EntityManager, statements: readonly Statement[]): Promise<Row[][]> {
  const restore = em.getTransactionContext() ? [restorePlanMode()] : [];
  const steps = [planForAnyWorkspace(), ...statements, ...restore].map((statement) => ({ ...statement, prepared: true }));
  const results = await readPipeline(em, steps);
  return results.slice(1, 1 + statements.length);
}

/** {@link byKey} for one read. */
export async function readByKey<T = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[]): Promise<T[]> {
  const [rows] = await byKey(em, [{ text, params }]);
  return rows as T[];
}

const RETRYABLE = new Set(['40001', '40P01', '23505']);

/** Raised inside a transaction when what it read has changed under it; the transaction is retried. */
export class StaleReadError extends Error {}

const codeOf = (error: unknown): string | undefined => {
  const candidate = error as { code?: unknown; cause?: { code?: unknown } };
  return typeof candidate?.code === 'string' ? candidate.code : typeof candidate?.cause?.code === 'string' ? candidate.cause.code : undefined;
};

/**
 * Runs `work` in a transaction, retrying serialization failures, deadlocks, unique violations and
 * stale reads a bounded number of times; then gives up with a coded CONFLICT. Nothing of a failed
 * attempt is kept.
 */
export async function withRetries<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.fork().transactional(work);
    } catch (error) {
      const retryable = error instanceof StaleReadError || RETRYABLE.has(codeOf(error) ?? '');
      if (!retryable) throw error;
      if (attempt >= attempts) throw DatabaseErrors.retriesExhausted(attempts);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
