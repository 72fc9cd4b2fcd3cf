import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { readByKey, sql } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { ExperimentStatus, WebhookTopic } from '../../graphql/enums';
import { pipeline } from '../../db/pipeline';
import { webhookEventsStatement } from '../webhook/webhook.sql';
import { liveCustomerId } from '../customer/privacy.service';
import { recordAudit } from '../workspace/audit.service';
import { Experiment } from './experiment.entity';
import { ExperimentErrors } from './experiment.errors';
import type { ExperimentInput } from './experiment.input';
import { variantFor } from './experiment.rules';
import { resultsStatement } from './experiment.sql';
import type { ExperimentResults } from './experiment.types';

const text = (field: string, value: string, max = 200): string => {
  const trimmed = value.trim();
  if (!trimmed || trimmed.length > max) throw ExperimentErrors.invalid(field, `must be 1 to ${max} characters`);
  return trimmed;
};

/** Checks an experiment's input: two to ten variants with distinct keys, positive weights, and templates of the experiment's scene and channel. */
async function checked(tx: EntityManager, workspaceId: string, input: ExperimentInput) {
  if (!Number.isInteger(input.windowDays) || input.windowDays < 1 || input.windowDays > 365) throw ExperimentErrors.invalid('windowDays', 'must be 1 to 365');
  if (input.variants.length < 2 || input.variants.length > 10) throw ExperimentErrors.invalid('variants', 'must be 2 to 10 variants');
  const variants = input.variants.map((variant, i) => {
    if (!(variant.weight > 0 && variant.weight <= 1000)) throw ExperimentErrors.invalid(`variants[${i}].weight`, 'must be more than 0 and at most 1000');
    return { key: text(`variants[${i}].key`, variant.key, 50), weight: variant.weight, templateId: variant.templateId };
  });
  if (new Set(variants.map((v) => v.key)).size !== variants.length) throw ExperimentErrors.invalid('variants', 'need distinct keys');
  const ids = variants.map((v) => v.templateId).filter(isUuid);
  const templates = await sql<{ id: string; scene: string; channel: string }>(
    tx,
    `select id, scene, channel from reply_template where workspace_id = ? and id = any(?::uuid[])`,
    [workspaceId, ids],
  );
  variants.forEach((variant, i) => {
    const template = templates.find((t) => t.id === variant.templateId);
    if (!template) throw ExperimentErrors.invalid(`variants[${i}].templateId`, `names no reply template: ${variant.templateId}`);
    if (template.scene !== input.scene || template.channel !== input.channel)
      throw ExperimentErrors.invalid(
        `variants[${i}].templateId`,
        `is a ${template.scene} template for ${template.channel}, not ${input.scene} for ${input.channel}`,
      );
  });
  return { name: text('name', input.name), conversionEvent: text('conversionEvent', input.conversionEvent), variants };
}

export async function createExperiment(em: EntityManager, viewer: Viewer, input: ExperimentInput, now: Date): Promise<Experiment> {
  return em.fork().transactional(async (tx) => {
    const { name, conversionEvent, variants } = await checked(tx, viewer.workspaceId, input);
    const experiment = tx.create(Experiment, {
      workspace: viewer.workspaceId,
      name,
      scene: input.scene,
      channel: input.channel,
      conversionEvent,
      windowDays: input.windowDays,
      variants,
      createdAt: now,
    });
    tx.persist(experiment);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'experiment.created',
      subjectType: 'Experiment',
      subjectId: experiment.id,
      details: { variants: variants.length },
    });
    return experiment;
  });
}

async function lockedExperiment(tx: EntityManager, id: string): Promise<Experiment> {
  const experiment = isUuid(id) ? await tx.findOne(Experiment, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
  if (!experiment) throw ExperimentErrors.notFound(id);
  return experiment;
}

/** DRAFT -> RUNNING: from now it assigns variants. */
export async function startExperiment(em: EntityManager, viewer: Viewer, id: string, now: Date): Promise<Experiment> {
  return em.fork().transactional(async (tx) => {
    const experiment = await lockedExperiment(tx, id);
    if (experiment.status !== ExperimentStatus.DRAFT) throw ExperimentErrors.status(id, experiment.status, ExperimentStatus.DRAFT);
    Object.assign(experiment, { status: ExperimentStatus.RUNNING, startedAt: now });
    recordAudit(tx, viewer.workspaceId, viewer.keyId, { action: 'experiment.started', subjectType: 'Experiment', subjectId: id, details: {} });
    return experiment;
  });
}

/** RUNNING -> STOPPED, frozen, optionally with a winner, which recommendedTemplates then prefers for its scene and channel. */
export async function stopExperiment(em: EntityManager, viewer: Viewer, id: string, winner: string | null, now: Date): Promise<Experiment> {
  return em.fork().transactional(async (tx) => {
    const experiment = await lockedExperiment(tx, id);
    if (experiment.status !== ExperimentStatus.RUNNING) throw ExperimentErrors.status(id, experiment.status, ExperimentStatus.RUNNING);
    if (winner !== null && !experiment.variants.some((variant) => variant.key === winner)) throw ExperimentErrors.unknownWinner(winner);
    Object.assign(experiment, { status: ExperimentStatus.STOPPED, stoppedAt: now, winner });
    await pipeline(tx, [webhookEventsStatement(viewer.workspaceId, WebhookTopic.EXPERIMENT_STOPPED, [{ experimentId: id, winner }], now)!]);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, { action: 'experiment.stopped', subjectType: 'Experiment', subjectId: id, details: { winner } });
    return experiment;
  });
}

/**
 * The customer's variant of a RUNNING experiment: the one recorded at their first exposure, else
 * the hash's pick, recorded now, in one statement (once per customer, whoever asks at the same time).
 */
export async function assignVariant(
  em: EntityManager,
  viewer: Viewer,
  experiment: Experiment | null | undefined,
  experimentId: string,
  customerId: string,
  now: Date,
): Promise<{ customerId: string; variant: string }> {
  if (!experiment) throw ExperimentErrors.notFound(experimentId);
  if (experiment.status !== ExperimentStatus.RUNNING) throw ExperimentErrors.status(experimentId, experiment.status, ExperimentStatus.RUNNING);
  const ws = viewer.workspaceId;
  const id = await liveCustomerId(em, ws, customerId);
  const picked = variantFor(experiment.id, id, experiment.variants).key;
  const [row] = await readByKey<{ variant: string }>(
    em,
    `with added as (
       insert into experiment_exposure (workspace_id, experiment_id, customer_id, variant, exposed_at) values (?, ?, ?, ?, ?)
       on conflict do nothing returning variant)
     select variant from added union all
     select variant from experiment_exposure where workspace_id = ? and experiment_id = ? and customer_id = ? and not exists (select 1 from added)`,
    [ws, experiment.id, id, picked, now, ws, experiment.id, id],
  );
  return { customerId: id, variant: row.variant };
}

export async function experimentResults(
  em: EntityManager,
  workspaceId: string,
  experiment: Experiment,
  range: { from: Date; to: Date } | null,
): Promise<ExperimentResults> {
  const { text: statement, params } = resultsStatement(workspaceId, experiment, range);
  const rows = await readByKey<{
    key: string;
    exposures: number;
    conversions: number;
    revenue: number;
    rate: number;
    lift: number | null;
    low: number | null;
    high: number | null;
    p_value: number | null;
  }>(em, statement, params ?? []);
  const pValue = rows[0]?.p_value ?? null;
  return {
    variants: rows.map((row) => ({
      key: row.key,
      exposures: row.exposures,
      conversions: row.conversions,
      conversionRate: row.rate,
      lift: row.lift,
      conversionRateLow: row.low,
      conversionRateHigh: row.high,
      revenue: row.revenue,
      revenuePerExposure: row.exposures ? row.revenue / row.exposures : 0,
    })),
    pValue,
    significant: pValue !== null && pValue < 0.05,
  };
}

/** The templates that won stopped experiments of a scene, newest stop first: recommendations prefer them. */
export async function winningTemplates(em: EntityManager, workspaceId: string, scene: string): Promise<string[]> {
  const rows = await readByKey<{ variants: { key: string; templateId: string }[]; winner: string }>(
    em,
    `select variants, winner from experiment where workspace_id = ? and scene = ? and status = 'STOPPED' and winner is not null order by stopped_at desc`,
    [workspaceId, scene],
  );
  return rows.flatMap((row) => row.variants.filter((v) => v.key === row.winner).map((v) => v.templateId));
}
