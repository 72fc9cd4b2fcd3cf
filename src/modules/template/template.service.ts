import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import type { Viewer } from '../../graphql/auth';
import { ContactPurpose, Scene, type Channel } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
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
 * template, else its ENQUIRY one, aimed ones before general ones, rendered for the customer; null
 * when the channel has none for them.
 */
export async function greetingFor(tx: EntityManager, channel: Channel, customerId: string): Promise<string | null> {
  const templates = await tx.find(ReplyTemplate, { channel, scene: { $in: [Scene.ONBOARDING, Scene.ENQUIRY] } }, { orderBy: { name: 'asc' } });
  if (templates.length === 0) return null;
  const customer = await tx.findOneOrFail(Customer, { id: customerId });
  const onboardingFirst = (template: ReplyTemplate) => (template.scene === Scene.ONBOARDING ? 1 : 0);
  const [best] = templates
    .filter((template) => fitsCustomer(template, customer))
    .sort((a, b) => onboardingFirst(b) - onboardingFirst(a) || specificity(b) - specificity(a));
  return best ? renderFor(best, customer).text : null;
}
