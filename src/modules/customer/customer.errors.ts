import { badInput, conflict, notFound } from '../../errors';

/** Refusals about customers, for every module that names one. */
export const CustomerErrors = {
  notFound: (id: string) => notFound('CUSTOMER_NOT_FOUND', 'Customer', id),
  /** An id of a customer merged into another: the caller should use the survivor's. */
  mergedInto: (id: string, survivorId: string) =>
    badInput('CUSTOMER_MERGED', `customer ${id} was merged into ${survivorId}; use that id`, { mergedInto: survivorId }),
  tagsInvalid: () => badInput('CUSTOMER_TAGS_INVALID', 'tags must be 1 to 64 characters each, at least one', { field: 'tags' }),
  mergeWithItself: () => badInput('MERGE_WITH_ITSELF', 'a customer cannot be merged with itself'),
  mergeBreaksIdentityRules: (violations: string[]) =>
    conflict('MERGE_BREAKS_IDENTITY_RULES', `the merge would break identity rules: ${violations.join('; ')}`, { violations }),
  mergeNotFound: (id: string) => notFound('MERGE_NOT_FOUND', 'CustomerMerge', id),
  mergeAlreadyUndone: (unmergedAt: unknown) => badInput('MERGE_ALREADY_UNDONE', 'this merge was already undone', { unmergedAt }),
  unmergeAfterLaterMerge: (mergedInto: string) =>
    conflict('UNMERGE_SURVIVOR_MERGED_LATER', `the survivor was later merged into ${mergedInto}; undo that merge first`, { mergedInto }),
  unmergeErased: () => conflict('UNMERGE_CUSTOMER_ERASED', 'one of the customers was erased'),
  identityRuleMaxPerCustomer: () =>
    badInput('IDENTITY_RULE_MAX_PER_CUSTOMER', 'maxPerCustomer must be at least 1, or null for no limit', { field: 'maxPerCustomer' }),
  identityRulePriority: () => badInput('IDENTITY_RULE_PRIORITY_RANGE', 'priority must be between 0 and 1000', { field: 'priority' }),
};
