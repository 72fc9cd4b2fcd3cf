import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { ContactPurpose, Scene, type Channel } from '../../graphql/enums';
import type { Customer } from '../customer/customer.entity';
import { recordAudit } from '../workspace/audit.service';
import { lengthFor, render, unknownPlaceholders } from './placeholders.rules';
import { ReplyTemplate } from './reply-template.entity';
import type { RenderedTemplate } from './template.types';
import type { ReplyTemplateInput } from './template.input';
import { TemplateErrors } from './template.errors';

/** Scenes that sell need marketing consent; the others are service. */
export const purposeOf = (scene: Scene): ContactPurpose =>
  scene === Scene.MARKETING || scene === Scene.WIN_BACK ? ContactPurpose.MARKETING : ContactPurpose.SERVICE;

export async function createTemplate(em: EntityManager, viewer: Viewer, input: ReplyTemplateInput, now: Date): Promise<ReplyTemplate> {
  const fail = (field: string, message: string) => {
    throw TemplateErrors.invalid(field, message);
  };
  const name = input.name.trim();
  if (!name || name.length > 200) fail('name', 'must be 1 to 200 characters');
  if (!input.body.trim() || input.body.length > 10_000) fail('body', 'must be 1 to 10,000 characters');
  const unknown = unknownPlaceholders(input.body);
  if (unknown.length)
    fail(
      'body',
      `has placeholders that name nothing: ${unknown.join(', ')} (use customer.displayName, customer.lifecycleStage, customer.valueTier, customer.totalSpend, customer.orderCount or traits.<key>)`,
    );
  try {
    return await em.fork().transactional(async (tx) => {
      const template = tx.create(ReplyTemplate, {
        workspace: viewer.workspaceId,
        name,
        channel: input.channel,
        scene: input.scene,
        body: input.body,
        lifecycleStages: [...new Set(input.lifecycleStages ?? [])],
        valueTiers: [...new Set(input.valueTiers ?? [])],
        createdAt: now,
      });
      tx.persist(template);
      recordAudit(tx, viewer.workspaceId, viewer.keyId, {
        action: 'template.created',
        subjectType: 'ReplyTemplate',
        subjectId: template.id,
        details: { name },
      });
      return template;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw TemplateErrors.nameTaken(name);
    throw error;
  }
}

export async function deleteTemplate(em: EntityManager, viewer: Viewer, id: string): Promise<void> {
  if (!isUuid(id)) throw TemplateErrors.notFound(id);
  await em.fork().transactional(async (tx) => {
    const template = await tx.findOne(ReplyTemplate, { id });
    if (!template) throw TemplateErrors.notFound(id);
    tx.remove(template);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'template.deleted',
      subjectType: 'ReplyTemplate',
      subjectId: id,
      details: { name: template.name },
    });
  });
}

export function listTemplates(em: EntityManager, filter: { channel?: Channel | null; scene?: Scene | null }): Promise<ReplyTemplate[]> {
  const where: Record<string, unknown> = {};
  if (filter.channel) where.channel = filter.channel;
  if (filter.scene) where.scene = filter.scene;
  return em.find(ReplyTemplate, where, { orderBy: { scene: 'asc', channel: 'asc', name: 'asc' } });
}

/** Whether a template is aimed at this customer's stage and tier (an empty list aims at all). */
export const fitsCustomer = (template: ReplyTemplate, customer: Customer): boolean =>
  (template.lifecycleStages.length === 0 || template.lifecycleStages.includes(customer.lifecycleStage)) &&
  (template.valueTiers.length === 0 || template.valueTiers.includes(customer.valueTier));

/** Aimed templates before general ones. */
export const specificity = (template: ReplyTemplate): number => (template.lifecycleStages.length ? 1 : 0) + (template.valueTiers.length ? 1 : 0);

export function renderFor(template: ReplyTemplate, customer: Customer): RenderedTemplate {
  const { text, missing } = render(template.body, {
    customer: {
      displayName: customer.displayName,
      lifecycleStage: customer.lifecycleStage,
      valueTier: customer.valueTier,
      totalSpend: customer.totalSpend,
      orderCount: customer.orderCount,
    },
    traits: (customer.traits ?? {}) as Record<string, unknown>,
  });
  const { length, limit } = lengthFor(template.channel, text);
  return { template, text, missing, length, limit, fits: limit === null || length <= limit };
}

/**
 * The greeting a conversation opening on `channel` gets (autoGreeting): the channel's ONBOARDING
 * template, else its ENQUIRY one, the one aimed at the customer's stage and tier before general
 * ones, rendered for the customer; null when the channel has none.
 */
export async function greetingFor(tx: EntityManager, workspaceId: string, channel: Channel, customerId: string): Promise<string | null> {
  const rows = await sql<{
    body: string;
    scene: Scene;
    aimed: number;
    display_name: string | null;
    lifecycle_stage: string;
    value_tier: string;
    total_spend: string | number;
    order_count: number;
    traits: Record<string, unknown>;
  }>(
    tx,
    `select t.body, t.scene, (cardinality(t.lifecycle_stages) > 0)::int + (cardinality(t.value_tiers) > 0)::int aimed,
       c.display_name, c.lifecycle_stage, c.value_tier, c.total_spend, c.order_count, c.traits
     from customer c join reply_template t on t.workspace_id = c.workspace_id
     where c.workspace_id = ? and c.id = ? and t.channel = ? and t.scene in ('ONBOARDING', 'ENQUIRY')
       and (cardinality(t.lifecycle_stages) = 0 or c.lifecycle_stage = any(t.lifecycle_stages))
       and (cardinality(t.value_tiers) = 0 or c.value_tier = any(t.value_tiers))
     order by t.scene = 'ONBOARDING' desc, aimed desc, t.name limit 1`,
    [workspaceId, customerId, channel],
  );
  const [row] = rows;
  if (!row) return null;
  const customer = {
    displayName: row.display_name,
    lifecycleStage: row.lifecycle_stage,
    valueTier: row.value_tier,
    totalSpend: Number(row.total_spend),
    orderCount: row.order_count,
  };
  return render(row.body, { customer, traits: row.traits ?? {} }).text;
}
