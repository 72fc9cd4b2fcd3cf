import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import type { IdentityType } from '../../graphql/enums';
import { publishAudit, recordAudit } from '../workspace/audit.service';
import { IdentityRuleOverride } from './identity-rule-override.entity';
import { effectiveRules } from './identity-rule.rules';
import type { IdentityRule } from './identity-rule.types';
import { CustomerErrors } from './customer.errors';

/** The workspace's identity rules, defaults filled in. */
export async function loadRules(em: EntityManager): Promise<Map<IdentityType, IdentityRule>> {
  const rows = await em.find(IdentityRuleOverride, {});
  return effectiveRules(
    rows.map((row) => ({ type: row.type, maxPerCustomer: row.maxPerCustomer ?? null, priority: row.priority, blockedValues: row.blockedValues })),
  );
}

/**
 * Stores one type's rule; unspecified fields keep their current values. The change is audited
 * (`identity_rule.updated` on the workspace, the rule before and after) in the same transaction
 * and published once committed.
 */
export async function setIdentityRule(
  em: EntityManager,
  bus: EventBus,
  viewer: Viewer,
  input: { type: IdentityType; maxPerCustomer?: number | null; priority?: number | null; blockedValues?: string[] | null },
): Promise<IdentityRule> {
  if (input.maxPerCustomer != null && input.maxPerCustomer < 1) throw CustomerErrors.identityRuleMaxPerCustomer();
  if (input.priority != null && (input.priority < 0 || input.priority > 1000)) throw CustomerErrors.identityRulePriority();
  const { next, audit } = await em.transactional(async (tx) => {
    const current = (await loadRules(tx)).get(input.type)!;
    const next: IdentityRule = {
      type: input.type,
      maxPerCustomer: input.maxPerCustomer !== undefined ? input.maxPerCustomer : current.maxPerCustomer,
      priority: input.priority ?? current.priority,
      blockedValues: input.blockedValues ?? current.blockedValues,
    };
    const row =
      (await tx.findOne(IdentityRuleOverride, { type: input.type })) ??
      tx.create(IdentityRuleOverride, { workspace: viewer.workspaceId, type: input.type, priority: next.priority, blockedValues: [] });
    Object.assign(row, { maxPerCustomer: next.maxPerCustomer, priority: next.priority, blockedValues: next.blockedValues });
    const rule = ({ maxPerCustomer, priority, blockedValues }: IdentityRule) => ({ maxPerCustomer, priority, blockedValues });
    const audit = recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'identity_rule.updated',
      subjectType: 'Workspace',
      subjectId: viewer.workspaceId,
      details: { type: input.type, before: rule(current), after: rule(next) },
    });
    return { next, audit };
  });
  await publishAudit(bus, audit);
  return next;
}
