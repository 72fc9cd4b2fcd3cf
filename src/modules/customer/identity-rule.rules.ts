import { IdentityType } from '../../graphql/enums';
import type { IdentityRule } from './identity-rule.types';

/** Junk values blocked for every type (compared after normalisation, case-insensitively). */
export const JUNK_VALUES = ['null', 'undefined', 'unknown', 'none', 'n/a', 'test@test.com', '-', '0'];

const DEFAULTS: Record<IdentityType, { maxPerCustomer: number | null; priority: number }> = {
  [IdentityType.MEMBER_ID]: { maxPerCustomer: 1, priority: 1 },
  [IdentityType.WECHAT_UNIONID]: { maxPerCustomer: 1, priority: 2 },
  [IdentityType.EXTERNAL_ID]: { maxPerCustomer: null, priority: 3 },
  [IdentityType.EMAIL]: { maxPerCustomer: null, priority: 4 },
  [IdentityType.PHONE]: { maxPerCustomer: null, priority: 5 },
  [IdentityType.WECHAT_OPENID]: { maxPerCustomer: null, priority: 6 },
  [IdentityType.DEVICE_ID]: { maxPerCustomer: null, priority: 7 },
  [IdentityType.ANONYMOUS_ID]: { maxPerCustomer: null, priority: 8 },
};

export function defaultRule(type: IdentityType): IdentityRule {
  return { type, ...DEFAULTS[type], blockedValues: [] };
}

/** The rules of a workspace: its stored rows over the defaults, one per type, by priority. */
export function effectiveRules(stored: IdentityRule[]): Map<IdentityType, IdentityRule> {
  const rules = new Map(Object.values(IdentityType).map((type) => [type, defaultRule(type)]));
  for (const rule of stored) rules.set(rule.type, rule);
  return rules;
}

/** Whether a normalised value is junk or blocked by the workspace for its type. */
export function isBlocked(rule: IdentityRule, value: string): boolean {
  const lower = value.toLowerCase();
  if (JUNK_VALUES.includes(lower) || rule.blockedValues.some((blocked) => blocked.toLowerCase() === lower)) return true;
  // all-zero ids and phones: 0000, +8600000000000 (only digits, +, spaces and dashes can be)
  return !NOT_PHONE_LIKE.test(lower) && /^\+?0*$/.test(lower.replace(/^\+\d{1,3}(?=0)/, '').replace(/[\s-]/g, ''));
}

const NOT_PHONE_LIKE = /[^\d\s+-]/;
