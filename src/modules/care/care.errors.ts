import { badInput } from '../../errors';

/** Refusals of care programs: owners and dedicated advisers. */
export const CareErrors = {
  ownerNotDedicated: (id: string) =>
    badInput('CARE_OWNER_NOT_DEDICATED', `agent ${id} is not dedicated; mark it dedicated to let it own customers`, { field: 'agentId' }),
};
