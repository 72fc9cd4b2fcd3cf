import type { Statement } from '../../db/pipeline';
import type { WebhookTopic } from '../../graphql/enums';

/**
 * The outbox: in the transaction of the change, one pending delivery per event for every active
 * webhook of the workspace subscribed to the topic, each with a stable event id and a body of ids
 * and values (the event's `data`), written (`seq`) in the events' order so they are delivered in
 * it; and, if any was written, the delivery job queued to run once this commits.
 */
export function webhookEventsStatement(workspaceId: string, topic: WebhookTopic, events: readonly unknown[], now: Date): Statement | null {
  if (!events.length) return null;
  return {
    text: `with written as (
       insert into webhook_delivery (id, workspace_id, webhook_id, topic, body, status, attempts, next_attempt_at, created_at)
       select x.id, x.workspace_id, x.webhook_id, ?, json_build_object('id', x.id, 'type', ?::text, 'workspaceId', x.workspace_id, 'createdAt', x.moment, 'data', x.data)::text,
         'PENDING', 0, ?, x.moment
       from (
         select gen_random_uuid() id, w.workspace_id, w.id webhook_id, e.data, ?::timestamptz + e.n * interval '1 microsecond' as moment
         from webhook w cross join jsonb_array_elements(?::jsonb) with ordinality e(data, n)
         where w.workspace_id = ? and w.active and ?::text = any(w.topics)
       ) x
       order by x.moment, x.webhook_id
       returning 1)
     select graphile_worker.add_job('webhook_deliveries', '{}'::json, job_key := 'webhook_deliveries') from (select 1 from written limit 1) any_written`,
    params: [topic, topic, now, now, JSON.stringify(events), workspaceId, topic],
  };
}

/** Pending deliveries that name a customer (an erased one's), which must not go out. */
export const forgetPendingStatement = (workspaceId: string, customerId: string): Statement => ({
  text: `delete from webhook_delivery where workspace_id = ? and status = 'PENDING' and strpos(body, ?) > 0`,
  params: [workspaceId, customerId],
});

/** Segment membership changes as SEGMENT_MEMBERSHIP events: one per customer and change. */
export const membershipEvents = (changes: readonly { segmentId: string; entered: readonly string[]; exited: readonly string[] }[]) =>
  changes.flatMap(({ segmentId, entered, exited }) => [
    ...entered.map((customerId) => ({ segmentId, customerId, change: 'ENTERED' })),
    ...exited.map((customerId) => ({ segmentId, customerId, change: 'EXITED' })),
  ]);

/** Stage changes as LIFECYCLE_CHANGED events. */
export const lifecycleEvents = (transitions: readonly { customerId: string; from: string | null; to: string; reason: string; at: Date }[]) =>
  transitions.map(({ customerId, from, to, reason, at }) => ({ customerId, from, to, reason, at: at.toISOString() }));
