import { badInput, notFound } from '../../errors';

/** Refusals of the rectification ledger, its follow-ups, and surveys. */
export const FeedbackErrors = {
  itemNotFound: (id: string) => notFound('FEEDBACK_ITEM_NOT_FOUND', 'FeedbackItem', id),
  followUpNotFound: (id: string) => notFound('FOLLOW_UP_NOT_FOUND', 'FollowUp', id),
  fieldRequired: (field: string) => badInput('FEEDBACK_FIELD_REQUIRED', `${field} is required`, { field }),
  fieldTooLong: (field: string, max: number) => badInput('FEEDBACK_FIELD_TOO_LONG', `${field} must be at most ${max} characters`, { field }),
  dueAtInPast: () => badInput('FEEDBACK_DUE_AT_PAST', 'dueAt must be in the future', { field: 'dueAt' }),
  statusStep: (from: string, allowed: string[], to: string) =>
    badInput('FEEDBACK_STATUS_STEP', `A feedback item goes from ${from} to ${allowed.join(' or ') || 'nowhere'}, not to ${to}`, {
      field: 'status',
      from,
      allowed,
    }),
  resolutionNoteRequired: () => badInput('FEEDBACK_RESOLUTION_NOTE_REQUIRED', 'Resolving needs a resolution note', { field: 'note' }),
  acceptanceCriteriaRequired: () =>
    badInput('FEEDBACK_ACCEPTANCE_CRITERIA_REQUIRED', 'Verifying needs acceptance criteria on record (set when the item was opened)', {
      field: 'acceptanceCriteria',
    }),
  followUpDone: () => badInput('FOLLOW_UP_ALREADY_DONE', 'This follow-up is already done', { field: 'id' }),
  surveyCustomerOrIdentifiers: () => badInput('SURVEY_CUSTOMER_OR_IDENTIFIERS', 'Give either customerId or identifiers', { field: 'customerId' }),
  surveyScoreRange: (kind: string, min: number, max: number, score: number) =>
    badInput('SURVEY_SCORE_OUT_OF_RANGE', `A ${kind} score is ${min} to ${max}, got ${score}`, { field: 'score', min, max }),
  surveyCommentTooLong: () => badInput('SURVEY_COMMENT_TOO_LONG', 'comment must be at most 4,000 characters', { field: 'comment' }),
};
