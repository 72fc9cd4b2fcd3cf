import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { recordAudit } from '../workspace/audit.service';
import { CareErrors } from './care.errors';
import type { PlaybookInput } from './care.input';
import { Playbook } from './playbook.entity';
import { DEFAULT_PLAYBOOKS } from './playbook.rules';
import type { PlaybookStep } from './playbook.types';

const MAX_HOURS = 24 * 365;

/** The input's steps, checked: 1 to 20, each named, due within a year, repeating at least hourly. */
function checkedSteps(input: PlaybookInput): PlaybookStep[] {
  if (!input.name.trim() || input.name.length > 200) throw CareErrors.playbookInvalid('name', 'must be 1 to 200 characters');
  if (input.steps.length < 1 || input.steps.length > 20) throw CareErrors.playbookInvalid('steps', 'must be 1 to 20 steps');
  return input.steps.map((step, i) => {
    const field = `steps[${i}]`;
    if (!step.name.trim() || step.name.length > 200) throw CareErrors.playbookInvalid(`${field}.name`, 'must be 1 to 200 characters');
    if (!(step.dueAfterHours >= 0 && step.dueAfterHours <= MAX_HOURS))
      throw CareErrors.playbookInvalid(`${field}.dueAfterHours`, 'must be from 0 to 8760 hours');
    const repeat = step.repeatEveryHours ?? null;
    if (repeat !== null && !(repeat >= 1 && repeat <= MAX_HOURS)) throw CareErrors.playbookInvalid(`${field}.repeatEveryHours`, 'must be from 1 to 8760 hours');
    return { name: step.name.trim(), dueAfterHours: step.dueAfterHours, scene: step.scene, channel: step.channel ?? null, repeatEveryHours: repeat };
  });
}

async function checkSegment(tx: EntityManager, workspaceId: string, segmentId: string | null | undefined): Promise<void> {
  if (!segmentId) return;
  const [found] = isUuid(segmentId) ? await sql(tx, `select 1 from segment where workspace_id = ? and id = ?`, [workspaceId, segmentId]) : [];
  if (!found) throw CareErrors.segmentNotFound(segmentId);
}

export async function createPlaybook(em: EntityManager, viewer: Viewer, input: PlaybookInput, now: Date): Promise<Playbook> {
  const steps = checkedSteps(input);
  return em.fork().transactional(async (tx) => {
    await checkSegment(tx, viewer.workspaceId, input.segmentId);
    const playbook = tx.create(Playbook, {
      workspace: viewer.workspaceId,
      name: input.name.trim(),
      trigger: input.trigger,
      segmentId: input.segmentId ?? null,
      active: input.active ?? true,
      steps,
      createdAt: now,
      updatedAt: now,
    });
    tx.persist(playbook);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'playbook.created',
      subjectType: 'Playbook',
      subjectId: playbook.id,
      details: { trigger: input.trigger, steps: steps.length },
    });
    return playbook;
  });
}

/** Replaces a playbook's definition; tasks already created keep their due times. */
export async function updatePlaybook(em: EntityManager, viewer: Viewer, id: string, input: PlaybookInput, now: Date): Promise<Playbook> {
  const steps = checkedSteps(input);
  return em.fork().transactional(async (tx) => {
    const playbook = isUuid(id) ? await tx.findOne(Playbook, { id }) : null;
    if (!playbook) throw CareErrors.playbookNotFound(id);
    await checkSegment(tx, viewer.workspaceId, input.segmentId);
    Object.assign(playbook, {
      name: input.name.trim(),
      trigger: input.trigger,
      segmentId: input.segmentId ?? null,
      active: input.active ?? playbook.active,
      steps,
      updatedAt: now,
    });
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'playbook.updated',
      subjectType: 'Playbook',
      subjectId: playbook.id,
      details: { trigger: input.trigger, steps: steps.length, active: playbook.active },
    });
    return playbook;
  });
}

/** The plans' playbooks for a new workspace, in the transaction that creates it. */
export function addDefaultPlaybooks(tx: EntityManager, workspaceId: string): void {
  for (const { name, trigger, steps } of DEFAULT_PLAYBOOKS) tx.persist(tx.create(Playbook, { workspace: workspaceId, name, trigger, steps }));
}
