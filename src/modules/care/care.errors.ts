import { badInput, conflict, notFound } from '../../errors';

/** Refusals of care programs: owners, playbooks and care tasks. */
export const CareErrors = {
  ownerNotDedicated: (id: string) =>
    badInput('CARE_OWNER_NOT_DEDICATED', `agent ${id} is not dedicated; mark it dedicated to let it own customers`, { field: 'agentId' }),
  playbookNotFound: (id: string) => notFound('PLAYBOOK_NOT_FOUND', 'Playbook', id),
  playbookInvalid: (field: string, message: string) => badInput('PLAYBOOK_INVALID', `${field} ${message}`, { field }),
  segmentNotFound: (id: string) => badInput('PLAYBOOK_SEGMENT_NOT_FOUND', `segment ${id} was not found`, { field: 'segmentId' }),
  taskNotFound: (id: string) => notFound('CARE_TASK_NOT_FOUND', 'CareTask', id),
  taskNotOpen: (id: string, status: string) => conflict('CARE_TASK_NOT_OPEN', `care task ${id} is ${status}, not OPEN`, { status }),
};
