import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import type { IdentityType } from '../../graphql/enums';
import { IdentityRuleRow } from './identity-rule.entity';
import { effectiveRules, type IdentityRule } from './identity-rules';

/** The workspace's identity rules, defaults filled in. */
export async function loadRules(em: EntityManager): Promise<Map<IdentityType, IdentityRule>> {
  const rows = await em.find(IdentityRuleRow, {});
  return effectiveRules(rows.map((row) => ({ type: row.type, maxPerCustomer: row.maxPerCustomer ?? null, priority: row.priority, blockedValues: row.blockedValues })));
}

/** Stores one type's rule; unspecified fields keep their current values. */
export async function setIdentityRule(
  em: EntityManager,
  workspaceId: string,
  input: { type: IdentityType; maxPerCustomer?: number | null; priority?: number | null; blockedValues?: string[] | null },
): Promise<IdentityRule> {
  if (input.maxPerCustomer != null && input.maxPerCustomer < 1) throw AppError.badInput('maxPerCustomer must be at least 1, or null for no limit', { field: 'maxPerCustomer' });
  if (input.priority != null && (input.priority < 0 || input.priority > 1000)) throw AppError.badInput('priority must be between 0 and 1000', { field: 'priority' });
  return em.transactional(async (tx) => {
    const current = (await loadRules(tx)).get(input.type)!;
    const next: IdentityRule = {
      type: input.type,
      maxPerCustomer: input.maxPerCustomer !== undefined ? input.maxPerCustomer : current.maxPerCustomer,
      priority: input.priority ?? current.priority,
      blockedValues: input.blockedValues ?? current.blockedValues,
    };
    const row = (await tx.findOne(IdentityRuleRow, { type: input.type })) ?? tx.create(IdentityRuleRow, { workspace: workspaceId, type: input.type, priority: next.priority, blockedValues: [] });
    Object.assign(row, { maxPerCustomer: next.maxPerCustomer, priority: next.priority, blockedValues: next.blockedValues });
    return next;
  });
}
