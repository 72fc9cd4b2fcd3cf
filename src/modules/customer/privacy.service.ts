import { forgetPendingStatement, webhookEventsStatement } from '../webhook/webhook.sql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { byKey, readByKey } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { WebhookTopic } from '../../graphql/enums';
import { recordAudit } from '../workspace/audit.service';
import { eraseIntakeStatement } from '../intake/intake.sql';
import { CustomerErrors } from './customer.errors';

/** The live customer an id names: itself, or the survivor it was merged into; erased ones are gone. */
export async function liveCustomerId(em: EntityManager, workspaceId: string, id: string): Promise<string> {
  if (!isUuid(id)) throw CustomerErrors.notFound(id);
  const [row] = await readByKey<{ id: string; erased_at: Date | null }>(
    em,
    `select c.id, c.erased_at from customer c where c.workspace_id = ? and c.id = (select coalesce(merged_into_id, id) from customer where workspace_id = ? and id = ?)`,
    [workspaceId, workspaceId, id],
  );
  if (!row || row.erased_at) throw CustomerErrors.notFound(id);
  return row.id;
}

/**
 * `column` names a customer or one merged into it, whose rows stay its own (see preference.service):
 * the condition for a customer's rows. Binds the workspace, then the customer's id twice.
 */
export const inFamily = (column: string) => `${column} in (select id from customer where workspace_id = ? and (id = ? or merged_into_id = ?))`;
const FAMILY = inFamily('customer_id');
const familyParams = (workspaceId: string, customerId: string) => [workspaceId, workspaceId, customerId, customerId];

/** Everything held on a live customer (the caller resolved the id), as one JSON document: the right of access. */
export async function exportCustomer(em: EntityManager, workspaceId: string, customerId: string): Promise<Record<string, unknown>> {
  const params = [workspaceId, customerId];
  const family = familyParams(workspaceId, customerId);
  const [[customer], identities, events, merges, preferences, consents, contacts, surveys, feedback, careTasks] = await byKey(em, [
    {
      text: `select c.id, c.display_name, c.traits, c.tags, c.lifecycle_stage, c.value_tier, c.total_spend::float, c.order_count, c.first_seen_at, c.last_seen_at,
               c.last_purchase_at, c.last_contact_at, c.next_contact_due_at, c.created_at, c.updated_at, (select json_build_object('id', a.id, 'name', a.name) from agent a where a.workspace_id = c.workspace_id and a.id = c.owner_id) owner
             from customer c where c.workspace_id = ? and c.id = ?`,
      params,
    },
    {
      text: `select type, value, source, verified, first_seen_at, last_seen_at from identity where workspace_id = ? and customer_id = ? order by first_seen_at`,
      params,
    },
    {
      text: `select message_id, type, properties, revenue::float, channel, occurred_at, received_at from event where workspace_id = ? and customer_id = ? order by occurred_at, id`,
      params,
    },
    {
      text: `select id, survivor_id, absorbed_id, reason, at, unmerged_at from customer_merge where workspace_id = ? and (survivor_id = ? or absorbed_id = ?) order by at`,
      params: [...params, customerId],
    },
    {
      text: `select customer_id, preferred_channels, language, timezone, quiet_start, quiet_end, cap_max_contacts, cap_per_days, updated_at from customer_preference where workspace_id = ? and ${FAMILY}`,
      params: family,
    },
    { text: `select channel, purpose, granted, source, at from consent_change where workspace_id = ? and ${FAMILY} order by at`, params: family },
    { text: `select channel, purpose, at from contact_touch where workspace_id = ? and ${FAMILY} order by at`, params: family },
    { text: `select kind, score, comment, channel, created_at from survey_response where workspace_id = ? and ${FAMILY} order by created_at`, params: family },
    {
      text: `select id, category, severity, status, summary, resolution_note, created_at, closed_at from feedback_item where workspace_id = ? and ${FAMILY} order by created_at`,
      params: family,
    },
    {
      text: `select id, playbook_id, step, scene, channel, owner_id, due_at, status, done_at, note, created_at from care_task where workspace_id = ? and ${FAMILY} order by created_at`,
      params: family,
    },
  ]);
  return { exportedAt: new Date().toISOString(), customer, identities, events, merges, preferences, consents, contacts, surveys, feedback, careTasks };
}

/**
 * Erases a customer (the right to be forgotten), in one transaction: identities become hashed
 * suppressions (so later ingestion of them is refused), identities, events, traits and merge
 * snapshots, preferences, consents, contact records, feedback and care tasks are deleted, and the audit log records how much was erased, not what.
 */
export async function eraseCustomer(em: EntityManager, viewer: Viewer, id: string, now: Date): Promise<void> {
  await em.fork().transactional(async (tx) => {
    const customerId = await liveCustomerId(tx, viewer.workspaceId, id);
    const ws = viewer.workspaceId;
    const family = familyParams(ws, customerId);
    const owned = [ws, customerId];
    const results = await byKey(tx, [
      { text: `select id from customer where workspace_id = ? and (id = ? or merged_into_id = ?) for update`, params: [ws, customerId, customerId] },
      {
        text: `insert into suppression (id, workspace_id, type, value_hash, created_at)
         select gen_random_uuid(), workspace_id, type, encode(sha256(convert_to(type || ':' || value, 'UTF8')), 'hex'), now()
         from identity where workspace_id = ? and customer_id = ? on conflict do nothing`,
        params: owned,
      },
      // the intake keeps nothing of an erased customer: calls waiting or failed that name its identifiers go, before they do
      eraseIntakeStatement(ws, customerId),
      { text: `with d as (delete from identity where workspace_id = ? and customer_id = ? returning 1) select count(*)::int n from d`, params: owned },
      { text: `with d as (delete from event where workspace_id = ? and customer_id = ? returning 1) select count(*)::int n from d`, params: owned },
      ...['customer_preference', 'consent', 'consent_change', 'contact_touch', 'feedback_item', 'follow_up', 'survey_response', 'message', 'care_task'].map(
        (table) => ({
          text: `delete from ${table} where workspace_id = ? and ${FAMILY}`,
          params: family,
        }),
      ),
      // conversations stay (queues and metrics count them) but lose what the customer said and what it was about
      { text: `update conversation set subject = null, topic = null, resolution_note = null where workspace_id = ? and ${FAMILY}`, params: family },
      {
        text: `delete from customer_merge where workspace_id = ? and (survivor_id = ? or absorbed_id in (select id from customer where workspace_id = ? and merged_into_id = ?))`,
        params: [ws, customerId, ws, customerId],
      },
      {
        text: `update customer set display_name = null, traits = '{}', trait_times = '{}', tags = '{}', total_spend = 0, order_count = 0, last_purchase_at = null, owner_id = null,
           last_contact_at = null, last_dedicated_contact_at = null, next_contact_due_at = null, erased_at = now(), updated_at = now()
         where workspace_id = ? and (id = ? or merged_into_id = ?)`,
        params: [ws, customerId, customerId],
      },
      // no pending webhook delivery keeps naming them; CUSTOMER_ERASED carries only the id
      forgetPendingStatement(ws, customerId),
      webhookEventsStatement(ws, WebhookTopic.CUSTOMER_ERASED, [{ customerId }], now)!,
    ]);
    const [[{ n: identities }], [{ n: events }]] = results.slice(3, 5);
    recordAudit(tx, ws, viewer.keyId, { action: 'customer.erased', subjectType: 'Customer', subjectId: customerId, details: { identities, events } });
  });
}
