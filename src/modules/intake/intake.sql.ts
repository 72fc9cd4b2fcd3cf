import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import type { IngestEventInput } from '../ingestion/ingestion.input';
import type { IntakeRow } from './segment-api.rules';

/** A waiting row taken by a drainer. */
export interface ClaimedRow {
  id: string;
  key_id: string | null;
  item: IngestEventInput & { occurredAt: string };
}

/** What became of a claimed row: applied (no code) or failed with a code. */
export interface Settled {
  id: string;
  code: string | null;
  message: string | null;
}

/** Applied rows are kept this long (deduplication by messageId, the per-minute figures), without their payload. */
export const KEEP_APPLIED = '10 minutes';

/** Stores a request's calls in one statement; a messageId the workspace's intake holds already is skipped. Returns how many were new. */
export async function insertRows(em: EntityManager, workspaceId: string, keyId: string, receivedAt: Date, rows: IntakeRow[]): Promise<number> {
  const [{ stored }] = await sql<{ stored: number }>(
    em,
    `with stored as (
       insert into intake (workspace_id, message_id, shard, key_id, occurred_at, received_at, keys, item, failed_at, error_code, error_message)
       select ?, r.message_id, r.shard, ?, r.occurred_at, ?, r.keys, r.item, case when r.error_code is null then null else ?::timestamptz end, r.error_code, r.error_message
       from json_to_recordset(?::json) as r(message_id text, shard smallint, occurred_at timestamptz, keys text[], item json, error_code text, error_message text)
       on conflict (workspace_id, message_id) do nothing
       returning 1
     ) select count(*)::int stored from stored`,
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
       where exists (select 1 from intake i where i.workspace_id = ? and i.shard = t.s and i.applied_at is null and i.failed_at is null)
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
    `select c.id::text, c.key_id, c.item from unnest(?::int[]) s(shard)
     cross join lateral (
       select id, key_id, item, occurred_at from intake
       where workspace_id = ? and shard = s.shard and applied_at is null and failed_at is null
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
    `select id::text, key_id, item from intake
     where workspace_id = ? and id = any(?::bigint[]) and applied_at is null and failed_at is null
     order by occurred_at, id for update skip locked`,
    [workspaceId, ids],
  );
}

/** Marks rows applied (dropping what they carried) or failed (kept with the error; one refused as an erased customer's keeps nothing of it), in one statement. */
export async function settleRows(tx: EntityManager, workspaceId: string, settled: Settled[], now: Date): Promise<void> {
  if (settled.length === 0) return;
  await sql(
    tx,
    `update intake i set
       applied_at = case when s.code is null then ?::timestamptz end,
       failed_at = case when s.code is null then null else ?::timestamptz end,
       error_code = s.code, error_message = s.message,
       item = case when s.code is null or s.code = 'SUPPRESSED' then null else i.item end,
       keys = case when s.code is null or s.code = 'SUPPRESSED' then '{}' else i.keys end,
       attempts = i.attempts + 1
     from unnest(?::bigint[], ?::text[], ?::text[]) as s(id, code, message)
     where i.workspace_id = ? and i.id = s.id`,
    [now, now, settled.map((row) => row.id), settled.map((row) => row.code), settled.map((row) => row.message), workspaceId],
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

/** Forgets applied rows past {@link KEEP_APPLIED}. */
export async function purgeApplied(em: EntityManager, workspaceId: string, now: Date): Promise<void> {
  await sql(em, `delete from intake where workspace_id = ? and applied_at < ?::timestamptz - interval '${KEEP_APPLIED}'`, [workspaceId, now]);
}

/** Deletes every waiting or failed intake row that names one of the customer's identifiers (applied ones keep none). */
export const eraseIntakeStatement = (workspaceId: string, customerId: string) => ({
  text: `delete from intake where workspace_id = ? and applied_at is null and keys && array(select type || ':' || value from identity where workspace_id = ? and customer_id = ?)`,
  params: [workspaceId, workspaceId, customerId],
});

export interface StatusRow {
  backlog: number;
  oldest: Date | null;
  accepted: number;
  applied: number;
  failed: number;
  lag: number | null;
}

/** The figures of `ingestionStatus`, over the minute before `now`. */
export async function statusOf(em: EntityManager, workspaceId: string, now: Date): Promise<StatusRow> {
  const [row] = await sql<StatusRow>(
    em,
    `with waiting as (select count(*)::int backlog, min(received_at) oldest from intake where workspace_id = ? and applied_at is null and failed_at is null),
          applied as (select count(*)::int applied, extract(epoch from avg(applied_at - received_at))::float8 lag from intake
                      where workspace_id = ? and applied_at > ?::timestamptz - interval '1 minute')
     select w.backlog, w.oldest, a.applied, a.lag,
       (select count(*)::int from intake where workspace_id = ? and received_at > ?::timestamptz - interval '1 minute') accepted,
       (select count(*)::int from intake where workspace_id = ? and failed_at is not null) failed
     from waiting w, applied a`,
    [workspaceId, workspaceId, now, workspaceId, now, workspaceId],
  );
  return row;
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
