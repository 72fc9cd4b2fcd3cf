import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors';
import { countStatement } from '../telemetry/request-scope';

/**
 * Runs one SQL statement with real bound parameters (`?` placeholders; arrays bind as PostgreSQL
 * arrays), inside the EntityManager's transaction when it has one. For set-based statements the
 * ORM cannot express; every value is a parameter, never spliced into the text.
 */
export async function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
  countStatement();
  const query = em.getConnection().getKnex().raw(text, params as never);
  const transaction = em.getTransactionContext();
  if (transaction) query.transacting(transaction);
  const result = await query;
  return result.rows as T[];
}

/**
 * Runs one whole-workspace read (a segment, a month of metrics) in its own transaction, set up by
 * {@link planWholeWorkspaceRead}.
 */
export function wholeWorkspaceRead<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.transactional(async (tx) => {
    await planWholeWorkspaceRead(tx);
    return work(tx);
  });
}

/**
 * For the rest of the caller's transaction: plans made for the values bound, not the generic ones
 * every connection uses (see ormOptions), since how much of a workspace a rule or a time range
 * selects decides between an index and a scan; and 64 MB of work_mem, so per-customer sorts and
 * hashes over a whole workspace stay off the disk.
 */
export const planWholeWorkspaceRead = (tx: EntityManager) => sql(tx, `select set_config('plan_cache_mode', 'force_custom_plan', true), set_config('work_mem', '64MB', true)`);

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
      if (attempt >= attempts) throw AppError.conflict('Concurrent changes to the same customers kept conflicting; retry the request', { attempts });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
