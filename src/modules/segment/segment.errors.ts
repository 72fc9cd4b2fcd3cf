import { AppError, badInput, conflict, forbidden, notFound } from '../../errors';

/** Refusals of segments, their rules, members and export. */
export const SegmentErrors = {
  notFound: (id: string) => notFound('SEGMENT_NOT_FOUND', 'Segment', id),
  ruleInvalid: (path: string, message: string) => badInput('SEGMENT_RULE_INVALID', `${path}: ${message}`, { path }),
  ruleRefersToUnknown: (id: string) => badInput('SEGMENT_RULE_UNKNOWN_SEGMENT', `rule refers to segment ${id}, which does not exist`, { path: 'rule' }),
  ruleRefersToItself: () => badInput('SEGMENT_RULE_CYCLE', 'a segment cannot refer to itself, directly or through others', { path: 'rule' }),
  nameLength: () => badInput('SEGMENT_NAME_LENGTH', 'name must be 1 to 200 characters', { field: 'name' }),
  nameTaken: (name: string) => conflict('SEGMENT_NAME_TAKEN', `A segment named "${name}" exists`, { field: 'name' }),
  dynamicNeedsRule: () => badInput('SEGMENT_DYNAMIC_NEEDS_RULE', 'a DYNAMIC segment needs a rule', { field: 'rule' }),
  staticTakesNoRule: () => badInput('SEGMENT_STATIC_TAKES_NO_RULE', 'a STATIC segment has no rule; add customers with addToSegment', { field: 'rule' }),
  staticHasNoRule: () => badInput('SEGMENT_STATIC_HAS_NO_RULE', 'a STATIC segment has no rule', { field: 'rule' }),
  staticNotRefreshable: () => badInput('SEGMENT_STATIC_NOT_REFRESHABLE', 'a STATIC segment has no rule to refresh', { field: 'id' }),
  referencedBy: (name: string, segmentId: string) => conflict('SEGMENT_IN_USE', `Segment "${name}" refers to this one; change it first`, { segmentId }),
  tooManyCustomers: () => badInput('SEGMENT_TOO_MANY_CUSTOMERS', 'at most 1,000 customers at a time', { field: 'customerIds' }),
  dynamicTakesNoCustomers: () =>
    badInput('SEGMENT_DYNAMIC_TAKES_NO_CUSTOMERS', 'only a STATIC segment takes customers by hand; a DYNAMIC one follows its rule', { field: 'id' }),
  sampleLimit: () => badInput('SEGMENT_SAMPLE_LIMIT', 'limit must be 0 to 100', { field: 'limit' }),
  exportForbidden: () => forbidden('SEGMENT_EXPORT_FORBIDDEN', 'Exporting a segment needs an ADMIN or MARKETER key'),
  exportTraitsInvalid: (max: number) => badInput('SEGMENT_EXPORT_TRAITS_INVALID', `traits: up to ${max} keys of letters, digits, _ . - and spaces`),
  exportFailed: () => new AppError('INTERNAL_SERVER_ERROR', 'SEGMENT_EXPORT_FAILED', 'The export failed'),
};
