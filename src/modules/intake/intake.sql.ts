import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import type { IngestEventInput } from '../ingestion/ingestion.input';
import type { IntakeRow } from './segment-api.rules';

/** A waiting row taken by a drainer. */
export interface ClaimedRow {
  id: string;
  key_id: string | null;
  received_at: Date | string;
  item: IngestEventInput & { occurredAt: string };
}

/** What became of a claimed row: applied (no code) or failed with a code. */
export interface Settled {
  id: string;
  code: string | null;
  message: string | null;
  /** From receipt to now. */
  lagSeconds: number;
}

/** How long the tally keeps its rows (the figures read the last minute). */
const KEEP_TALLY = '10 minutes';

/** Stores a request's calls and tallies them, in one statement; a messageId waiting or failed in the workspace's intake is skipped. Returns how many were new. */
export async function insertRows(em: EntityManager, workspaceId: string, keyId: string, receivedAt: Date, rows: IntakeRow[]): Promise<number> {
  const [{ stored }] = await sql<{ stored: number }>(
    em,
    `with stored as (
       insert into intake (workspace_id, message_id, shard, key_id, occurred_at, received_at, keys, item, failed_at, error_code, error_message)
       select ?, r.message_id, r.shard, ?, r.occurred_at, ?, r.keys, r.item, case when r.error_code is null then null else ?::timestamptz end, r.error_code, r.error_message
       from json_to_recordset(?::json) as r(message_id text, shard smallint, occurred_at timestamptz, keys text[], item json, error_code text, error_message text)
       on conflict (workspace_id, message_id) do nothing
       returning 1
     ), counted as (select count(*)::int stored from stored),
     tallied as (insert into intake_tally (workspace_id, at, accepted) select ?, ?, stored from counted where stored > 0)
     select stored from counted`,
    [
      workspaceId,
      keyId,
      receivedAt,
      receivedAt,
      JSON.stringify(
        rows.map((row) => ({
          message_id: row.messageId,
          shard: row.shard,
          occurred_at: row.occurredAt,
          keys: row.keys,
          item: row.item,
          error_code: row.error?.code ?? null,
          error_message: row.error?.message ?? null,
        })),
      ),
      workspaceId,
      receivedAt,
    ],
  );
  return stored;
}

/**
 * Takes up to `shardsWanted` of the workspace's shards that have waiting rows and no other drainer
 * (transaction-scoped advisory locks), and returns them.
 */
export async function lockShards(tx: EntityManager, workspaceId: string, shards: number[], shardsWanted: number): Promise<number[]> {
  const rows = await sql<{ shard: number }>(
    tx,
    `with waiting as materialized (
       select s from unnest(?::int[]) with ordinality as t(s, n)
       where exists (select 1 from intake i where i.workspace_id = ? and i.shard = t.s and i.failed_at is null)
       order by n
     )
     select s as shard from waiting where pg_try_advisory_xact_lock(hashtextextended('intake:' || ? || ':' || s, 0)) limit ?`,
    [shards, workspaceId, workspaceId, shardsWanted],
  );
  return rows.map((row) => row.shard);
}

/** The oldest waiting rows of each shard (up to `limit` in all), in event-time order: each shard read along its index. */
export function claimRows(tx: EntityManager, workspaceId: string, shards: number[], limit: number): Promise<ClaimedRow[]> {
  return sql<ClaimedRow>(
    tx,
    `select c.id::text, c.key_id, c.received_at, c.item from unnest(?::int[]) s(shard)
     cross join lateral (
       select id, key_id, received_at, item, occurred_at from intake
       where workspace_id = ? and shard = s.shard and failed_at is null
       order by occurred_at, id limit ? for update skip locked
     ) c
     order by c.occurred_at, c.id limit ?`,
    [shards, workspaceId, Math.ceil(limit / shards.length), limit],
  );
}

/** The same rows again by id, those still waiting (a batch being split after a failure). */
export function reclaimRows(tx: EntityManager, workspaceId: string, ids: string[]): Promise<ClaimedRow[]> {
  return sql<ClaimedRow>(
    tx,
    `select id::text, key_id, received_at, item from intake
     where workspace_id = ? and id = any(?::bigint[]) and failed_at is null
     order by occurred_at, id for update skip locked`,
    [workspaceId, ids],
  );
}

/**
 * Settles a batch in one statement: applied rows are deleted and tallied with their lags; failed
 * ones are kept with the error (one refused as an erased customer's keeps nothing of the call).
 */
export async function settleRows(tx: EntityManager, workspaceId: string, settled: Settled[], now: Date): Promise<void> {
  const applied = settled.filter((row) => row.code === null);
  const failed = settled.filter((row) => row.code !== null);
  await sql(
    tx,
    `with gone as (delete from intake where workspace_id = ? and id = any(?::bigint[])),
     failed as (
       update intake i set failed_at = ?, error_code = f.code, error_message = f.message, attempts = i.attempts + 1,
         item = case when f.code = 'SUPPRESSED' then null else i.item end,
         keys = case when f.code = 'SUPPRESSED' then '{}' else i.keys end
       from unnest(?::bigint[], ?::text[], ?::text[]) as f(id, code, message)
       where i.workspace_id = ? and i.id = f.id
     )
     insert into intake_tally (workspace_id, at, applied, lags) select ?, ?, ?, ?::real[] where ? > 0`,
    [
      workspaceId,
      applied.map((row) => row.id),
      now,
      failed.map((row) => row.id),
      failed.map((row) => row.code),
      failed.map((row) => row.message),
      workspaceId,
      workspaceId,
      now,
      applied.length,
      applied.map((row) => row.lagSeconds),
      applied.length,
    ],
  );
}

/** Puts failed rows back in line (not those refused as an erased customer's, which keep nothing); returns their ids. */
export async function requeueRows(em: EntityManager, workspaceId: string, ids: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    em,
    `update intake set failed_at = null, error_code = null, error_message = null
     where workspace_id = ? and id = any(?::bigint[]) and failed_at is not null and item is not null returning id::text`,
    [workspaceId, ids],
  );
  return rows.map((row) => row.id);
}

/** Forgets tally rows past {@link KEEP_TALLY}. */
export async function purgeTally(em: EntityManager, workspaceId: string, now: Date): Promise<void> {
  await sql(em, `delete from intake_tally where workspace_id = ? and at < ?::timestamptz - interval '${KEEP_TALLY}'`, [workspaceId, now]);
}

/** Deletes every intake row (waiting or failed) that names one of the customer's identifiers. */
export const eraseIntakeStatement = (workspaceId: string, customerId: string) => ({
  text: `delete from intake where workspace_id = ? and keys && array(select type || ':' || value from identity where workspace_id = ? and customer_id = ?)`,
  params: [workspaceId, workspaceId, customerId],
});

export interface StatusRow {
  backlog: number;
  oldest: Date | string | null;
  accepted: number;
  applied: number;
  failed: number;
  lag: number | null;
  lagP95: number | null;
}

/** The figures of `ingestionStatus`, over the minute before `now`. */
export async function statusOf(em: EntityManager, workspaceId: string, now: Date): Promise<StatusRow> {
  const [row] = await sql<StatusRow>(
    em,
    `with minute as (select accepted, applied, lags from intake_tally where workspace_id = ? and at > ?::timestamptz - interval '1 minute'),
          lags as (select avg(l)::float8 lag, percentile_cont(0.95) within group (order by l)::float8 lag_p95 from minute, unnest(minute.lags) l)
     select (select count(*)::int from intake where workspace_id = ? and failed_at is null) backlog,
            (select min(received_at) from intake where workspace_id = ? and failed_at is null) oldest,
            (select count(*)::int from intake where workspace_id = ? and failed_at is not null) failed,
            (select coalesce(sum(accepted), 0)::int from minute) accepted,
            (select coalesce(sum(applied), 0)::int from minute) applied,
            lags.lag, lags.lag_p95 "lagP95"
     from lags`,
    [workspaceId, now, workspaceId, workspaceId, workspaceId],
  );
  return row;
}

/** Whether anything waits in the workspace's intake. */
export async function hasWaiting(em: EntityManager, workspaceId: string): Promise<boolean> {
  const [row] = await sql<{ waiting: boolean }>(em, `select exists (select 1 from intake where workspace_id = ? and failed_at is null) waiting`, [workspaceId]);
  return row.waiting;
}

export interface FailureRow {
  id: string;
  message_id: string;
  received_at: Date;
  failed_at: Date;
  error_code: string;
  error_message: string | null;
  attempts: number;
  item: unknown;
}

/** Failed rows, newest failure first, after a (failed_at, id) position. */
export function failedRows(em: EntityManager, workspaceId: string, after: [string, string] | undefined, limit: number): Promise<FailureRow[]> {
  const params: unknown[] = [workspaceId];
  let position = '';
  if (after) {
    position = `and (failed_at, id) < (?::timestamptz, ?::bigint)`;
    params.push(after[0], after[1]);
  }
  return sql<FailureRow>(
    em,
    `select id::text, message_id, received_at, failed_at, error_code, error_message, attempts, item from intake
     where workspace_id = ? and failed_at is not null ${position} order by failed_at desc, id desc limit ?`,
    [...params, limit],
  );
}
