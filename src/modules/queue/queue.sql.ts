import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import type { QueueStats } from './queue.types';

/**
 * Live figures of the queues, in one statement whatever their number: waiting and assigned
 * conversations, waits as of `now`, ONLINE members, and conversations whose SLA was first breached
 * since the start of today in the workspace's time zone.
 */
export async function queueStats(
  em: EntityManager,
  workspaceId: string,
  queueIds: readonly string[],
  now: Date,
  timezone: string,
): Promise<Map<string, QueueStats>> {
  const rows = await sql<{ id: string; waiting: number; assigned: number; longest: number; average: number; online: number; breached: number }>(
    em,
    `select q.id, w.waiting, w.assigned, w.longest, w.average, o.online, b.breached
     from unnest(?::uuid[]) q(id)
     cross join lateral (
       select count(*) filter (where c.status = 'QUEUED')::int waiting,
              count(*) filter (where c.status <> 'QUEUED')::int assigned,
              coalesce(floor(max(extract(epoch from (?::timestamptz - c.enqueued_at))) filter (where c.status = 'QUEUED')), 0)::int longest,
              coalesce(floor(avg(extract(epoch from (?::timestamptz - c.enqueued_at))) filter (where c.status = 'QUEUED')), 0)::int average
       from conversation c where c.workspace_id = ? and c.queue_id = q.id and c.status in ('QUEUED', 'ASSIGNED', 'WAITING_ON_CUSTOMER')
     ) w
     cross join lateral (
       select count(*)::int online from agent_queue aq join agent a on a.workspace_id = aq.workspace_id and a.id = aq.agent_id
       where aq.workspace_id = ? and aq.queue_id = q.id and a.status = 'ONLINE'
     ) o
     cross join lateral (
       select count(*)::int breached from conversation c
       where c.workspace_id = ? and c.queue_id = q.id and c.sla_breached_at >= (date_trunc('day', ?::timestamptz at time zone ?) at time zone ?)
     ) b`,
    [[...queueIds], now, now, workspaceId, workspaceId, workspaceId, now, timezone, timezone],
  );
  const clamp = (seconds: number) => Math.max(0, seconds);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        waiting: row.waiting,
        assigned: row.assigned,
        longestWaitSeconds: clamp(row.longest),
        averageWaitSeconds: clamp(row.average),
        agentsOnline: row.online,
        breachedToday: row.breached,
      },
    ]),
  );
}
