import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import { ownerSteps } from '../care/care.sql';
import { nextContactDue } from '../care/cadence.rules';
import { atRiskStatements } from '../care/care-task.sql';
import { lifecycleEvents, webhookEventsStatement } from '../webhook/webhook.sql';
import { pipeline, type Copy } from '../../db/pipeline';
import { sql } from '../../db/sql';
import type { EventBus } from '../../events/bus';
import { WebhookTopic, type LifecycleStage, type ValueTier } from '../../graphql/enums';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { mayAgeSql, purchaseSql, spendWindowStart, stageAt, tierOf } from './lifecycle.rules';
import { liveCustomerSql } from '../customer/customer.sql';

/** A stage change about to be written. */
export interface Transition {
  id: string;
  customerId: string;
  from: LifecycleStage | null;
  to: LifecycleStage;
  reason: string;
  at: Date;
}

/** What `settle` reads and sets on a customer's state. */
export interface Settleable {
  id: string;
  stage: LifecycleStage | null;
  tier: ValueTier;
  annualSpend: number;
  firstPurchaseAt: Date | null;
  lastPurchaseAt: Date | null;
  lastInboundAt: Date | null;
  complaintAt: Date | null;
  reactivatedAt: Date | null;
}

/** Sets each customer's stage and tier as of `now`; returns the stage changes (from null for new customers). */
function settle(states: Iterable<Settleable>, settings: WorkspaceSettings, now: Date): Transition[] {
  const transitions: Transition[] = [];
  for (const state of states) {
    state.tier = tierOf(state.annualSpend, settings);
    const { stage, reason } = stageAt(state, settings, now);
    if (stage !== state.stage) transitions.push({ id: uuidv7(), customerId: state.id, from: state.stage, to: stage, reason, at: now });
    state.stage = stage;
  }
  return transitions;
}

/**
 * The lifecycle step: sets each customer's stage and tier as of `now` and returns the stage
 * changes (from null for new customers) with the one statement that keeps them in the customers'
 * lifecycle history. Writing the stage and tier themselves is the caller's.
 */
export function lifecycleStep(
  workspaceId: string,
  states: Iterable<Settleable>,
  settings: WorkspaceSettings,
  now: Date,
): { step: Copy; transitions: Transition[] } {
  const transitions = settle(states, settings, now);
  const step: Copy = {
    table: 'lifecycle_transition',
    columns: ['id', 'workspace_id', 'customer_id', 'from', 'to', 'reason', 'at'],
    rows: transitions.map((t) => [t.id, workspaceId, t.customerId, t.from, t.to, t.reason, t.at]),
  };
  return { step, transitions };
}

/** Transitions per NOTIFY payload: a pair of ids is about 80 bytes, NOTIFY takes under 8000. */
const PER_MESSAGE = 80;

/** Publishes committed transitions on `customerLifecycle`, in as few bus messages as fit. */
export async function publishTransitions(bus: EventBus, workspaceId: string, transitions: Transition[]): Promise<void> {
  for (let i = 0; i < transitions.length; i += PER_MESSAGE) {
    const changes = transitions.slice(i, i + PER_MESSAGE).map((t) => [t.customerId, t.id] as [string, string]);
    await bus.publish('LIFECYCLE_CHANGED', { ws: workspaceId, changes });
  }
}

interface FactsRow {
  id: string;
  lifecycle_stage: LifecycleStage;
  value_tier: ValueTier;
  complaint_at: Date | null;
  reactivated_at: Date | null;
  last_inbound_at: Date | null;
  first_purchase: Date | null;
  last_purchase: Date | null;
  last_channel_event: Date | null;
  annual: string;
  last_contact_at: Date | null;
  last_dedicated_contact_at: Date | null;
  created_at: Date;
}

/**
 * Recomputes stage and tier of the given live customers from their events (purchases, spend in the
 * window, contact on a channel), locks and writes those that changed, and records the transitions.
 * For the ageing job, a settings change, and after a merge or unmerge.
 */
export async function reevaluate(tx: EntityManager, workspaceId: string, settings: WorkspaceSettings, now: Date, customerIds: string[]): Promise<Transition[]> {
  if (!customerIds.length) return [];
  const rows = await sql<FactsRow>(
    tx,
    `select c.id, c.lifecycle_stage, c.value_tier, c.complaint_at, c.reactivated_at, c.last_inbound_at, c.last_contact_at, c.last_dedicated_contact_at, c.created_at, p.*
     from customer c
     cross join lateral (
       select min(occurred_at) filter (where purchase) first_purchase, max(occurred_at) filter (where purchase) last_purchase,
              max(occurred_at) filter (where channel is not null) last_channel_event,
              coalesce(sum(revenue) filter (where purchase and occurred_at >= ?), 0) annual
       from (select occurred_at, revenue, channel, ${purchaseSql} purchase
             from event e where e.workspace_id = c.workspace_id and e.customer_id = c.id) e
     ) p
     where c.workspace_id = ? and c.id = any(?::uuid[]) and ${liveCustomerSql('c')}
     order by c.id for update of c`,
    [spendWindowStart(now), workspaceId, customerIds],
  );
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  const states = rows.map((row) => {
    const lastInbound = [date(row.last_inbound_at), date(row.last_channel_event)].reduce((a, b) => (!a ? b : !b ? a : a > b ? a : b), null);
    return {
      id: row.id,
      stage: row.lifecycle_stage,
      tier: row.value_tier,
      annualSpend: Number(row.annual),
      firstPurchaseAt: date(row.first_purchase),
      lastPurchaseAt: date(row.last_purchase),
      lastInboundAt: lastInbound,
      complaintAt: date(row.complaint_at),
      reactivatedAt: date(row.reactivated_at),
      contacts: { lastContactAt: date(row.last_contact_at), lastDedicatedContactAt: date(row.last_dedicated_contact_at), since: new Date(row.created_at) },
    };
  });
  const { step, transitions } = lifecycleStep(workspaceId, states, settings, now);
  await sql(
    tx,
    `update customer c set lifecycle_stage = x.stage, value_tier = x.tier, annual_spend = x.spend, first_purchase_at = x.first_purchase, last_inbound_at = x.last_inbound,
       next_contact_due_at = x.next_contact_due
     from jsonb_to_recordset(?::jsonb) x(id uuid, stage text, tier text, spend numeric, first_purchase timestamptz, last_inbound timestamptz, next_contact_due timestamptz)
     where c.workspace_id = ? and c.id = x.id`,
    [
      JSON.stringify(
        states.map((s) => ({
          id: s.id,
          stage: s.stage,
          tier: s.tier,
          spend: s.annualSpend,
          first_purchase: s.firstPurchaseAt?.toISOString() ?? null,
          last_inbound: s.lastInboundAt?.toISOString() ?? null,
          next_contact_due: nextContactDue(s.tier, s.contacts, settings.contactCadences)?.toISOString() ?? null,
        })),
      ),
      workspaceId,
    ],
  );
  const webhooks = webhookEventsStatement(workspaceId, WebhookTopic.LIFECYCLE_CHANGED, lifecycleEvents(transitions), now);
  await pipeline(tx, [step, ...ownerSteps(workspaceId, states), ...atRiskStatements(workspaceId, transitions, now), ...(webhooks ? [webhooks] : [])]);
  return transitions;
}

/** Live customers whose stage or tier the passing of time may have changed by `now`. */
export async function ageingCandidates(
  em: EntityManager,
  workspaceId: string,
  settings: WorkspaceSettings,
  now: Date,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const ageing = mayAgeSql(settings, now);
  const rows = await sql<{ id: string }>(
    em,
    `select id from customer
     where workspace_id = ? and ${liveCustomerSql()} and (?::uuid is null or id > ?::uuid)
       and ${ageing.sql}
     order by id limit ?`,
    [workspaceId, after, after, ...ageing.params, limit],
  );
  return rows.map((row) => row.id);
}

/** Every live customer of the workspace, a page at a time (for a settings change). */
export async function allLiveCustomers(em: EntityManager, workspaceId: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    em,
    `select id from customer where workspace_id = ? and ${liveCustomerSql()} and (?::uuid is null or id > ?::uuid) order by id limit ?`,
    [workspaceId, after, after, limit],
  );
  return rows.map((row) => row.id);
}
