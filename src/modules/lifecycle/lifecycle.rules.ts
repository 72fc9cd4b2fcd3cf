import { LifecycleStage, ValueTier } from '../../graphql/enums';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';

const DAY = 86_400_000;

/** What a customer's stage is computed from. */
export interface LifecycleFacts {
  firstPurchaseAt: Date | null;
  lastPurchaseAt: Date | null;
  /** The customer's last contact with us on a channel. */
  lastInboundAt: Date | null;
  complaintAt: Date | null;
  /** The purchase that brought the customer back from AT_RISK or CHURNED. */
  reactivatedAt: Date | null;
}

export type StageRules = Pick<WorkspaceSettings, 'newCustomerDays' | 'atRiskAfterDays' | 'churnedAfterDays'>;

const daysBetween = (from: Date, to: Date) => (to.getTime() - from.getTime()) / DAY;
const latest = (...dates: (Date | null)[]): Date | null => dates.reduce<Date | null>((best, date) => (date && (!best || date > best) ? date : best), null);

/**
 * The stage at `now`: PROSPECT before the first purchase; NEW for `newCustomerDays` after it;
 * CHURNED after `churnedAfterDays` without a purchase or inbound contact; AT_RISK after a complaint
 * not followed by a purchase, or (once no longer NEW) after `atRiskAfterDays` idle; REACTIVATED for
 * `newCustomerDays` after a purchase that brought the customer back; ACTIVE otherwise.
 */
export function stageAt(facts: LifecycleFacts, rules: StageRules, now: Date): { stage: LifecycleStage; reason: string } {
  if (!facts.firstPurchaseAt) return { stage: LifecycleStage.PROSPECT, reason: 'no purchase yet' };
  const lastActive = latest(facts.firstPurchaseAt, facts.lastPurchaseAt, facts.lastInboundAt)!;
  const idle = daysBetween(lastActive, now);
  if (idle >= rules.churnedAfterDays) return { stage: LifecycleStage.CHURNED, reason: `no purchase or inbound contact for ${rules.churnedAfterDays} days` };
  if (facts.complaintAt && (!facts.lastPurchaseAt || facts.complaintAt >= facts.lastPurchaseAt)) return { stage: LifecycleStage.AT_RISK, reason: 'complaint' };
  if (daysBetween(facts.firstPurchaseAt, now) < rules.newCustomerDays) return { stage: LifecycleStage.NEW, reason: 'first purchase' };
  if (idle >= rules.atRiskAfterDays) return { stage: LifecycleStage.AT_RISK, reason: `no purchase or inbound contact for ${rules.atRiskAfterDays} days` };
  if (facts.reactivatedAt && daysBetween(facts.reactivatedAt, now) < rules.newCustomerDays)
    return { stage: LifecycleStage.REACTIVATED, reason: 'bought again after being at risk or churned' };
  return { stage: LifecycleStage.ACTIVE, reason: facts.reactivatedAt ? 'reactivation period ended' : 'new customer period ended' };
}

/**
 * Which customers the passing of time alone may have moved by `now`, as a condition on `customer`
 * rows: those {@link stageAt} could now place elsewhere than their stored stage, and those with spend
 * in the window (it may have left it, and the tier with it). It may take more, never fewer: a test
 * holds it to {@link stageAt} on fixtures.
 */
export function mayAgeSql(rules: StageRules, now: Date): { sql: string; params: Date[] } {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);
  const { PROSPECT, NEW, ACTIVE, REACTIVATED, AT_RISK } = LifecycleStage;
  const lastActive = 'greatest(first_purchase_at, last_purchase_at, last_inbound_at)';
  return {
    sql: `((lifecycle_stage = '${PROSPECT}' and first_purchase_at is not null) -- bought before stages existed (the migration fills first_purchase_at only)
         or (lifecycle_stage = '${NEW}' and first_purchase_at <= ?)
         or (lifecycle_stage = '${REACTIVATED}' and reactivated_at <= ?)
         or (lifecycle_stage in ('${NEW}', '${ACTIVE}', '${REACTIVATED}') and ${lastActive} <= ?)
         or (lifecycle_stage = '${AT_RISK}' and ${lastActive} <= ?)
         or annual_spend > 0)`,
    params: [daysAgo(rules.newCustomerDays), daysAgo(rules.newCustomerDays), daysAgo(rules.atRiskAfterDays), daysAgo(rules.churnedAfterDays)],
  };
}

export const isLapsed = (stage: LifecycleStage): boolean => stage === LifecycleStage.AT_RISK || stage === LifecycleStage.CHURNED;

/** The value tier of a customer's spend in the last 365 days. */
export function tierOf(annualSpend: number, settings: Pick<WorkspaceSettings, 'highValueAnnualSpend' | 'mediumValueAnnualSpend'>): ValueTier {
  if (annualSpend >= settings.highValueAnnualSpend) return ValueTier.HIGH;
  if (annualSpend >= settings.mediumValueAnnualSpend) return ValueTier.MEDIUM;
  return ValueTier.BASIC;
}

/** Spend counts toward the value tier for this long. */
export const SPEND_WINDOW_DAYS = 365;
export const spendWindowStart = (now: Date): Date => new Date(now.getTime() - SPEND_WINDOW_DAYS * DAY);

/** Events whose name starts so count as purchases when they carry revenue. */
const PURCHASE_PREFIX = 'order_completed';

/** A purchase: an event named `order_completed…` with revenue. {@link purchaseSql} is the same rule in SQL. */
export const isPurchase = <T extends { event: string; revenue: number | null }>(item: T): item is T & { revenue: number } =>
  item.event.startsWith(PURCHASE_PREFIX) && item.revenue !== null;

/** {@link isPurchase} as a condition on a row of `event` (of the alias given). */
export const purchaseOf = (alias?: string): string => {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `starts_with(${column('type')}, '${PURCHASE_PREFIX}') and ${column('revenue')} is not null`;
};
export const purchaseSql = purchaseOf();
