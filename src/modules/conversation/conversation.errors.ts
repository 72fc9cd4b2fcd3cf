import { badInput, conflict, forbidden, notFound } from '../../errors';

/** Refusals of conversations, their messages, assignments and transfers. */
export const ConversationErrors = {
  notFound: (id: string) => notFound('CONVERSATION_NOT_FOUND', 'Conversation', id),
  escalationReasonLength: () => badInput('CONVERSATION_ESCALATION_REASON_LENGTH', 'reason must be 1 to 500 characters', { field: 'reason' }),
  customerOrIdentifiers: () =>
    badInput('CONVERSATION_CUSTOMER_OR_IDENTIFIERS', 'give either customerId or identifiers, not both or neither', { field: 'customerId' }),
  /** A step the conversation's status does not allow. */
  stepNotAllowed: (message: string, status: string, step: string) => badInput('CONVERSATION_STEP_NOT_ALLOWED', message, { status, step }),
  ingestMayPostInboundOnly: () => forbidden('MESSAGE_INGEST_INBOUND_ONLY', 'INGEST keys may post INBOUND messages only'),
  authorMismatch: () =>
    badInput('MESSAGE_AUTHOR_DIRECTION', "INBOUND messages are the CUSTOMER's; OUTBOUND ones an AGENT's, a BOT's or the SYSTEM's", { field: 'author' }),
  agentIdWithoutAgent: () => badInput('MESSAGE_AGENT_ID_NOT_AGENT', 'agentId goes with author AGENT', { field: 'agentId' }),
  agentMessageNeedsAgent: () =>
    badInput('MESSAGE_AGENT_ID_REQUIRED', 'an AGENT message needs agentId when the conversation has no assignee', { field: 'agentId' }),
  bodyLength: () => badInput('MESSAGE_BODY_LENGTH', 'body must be 1 to 10,000 characters, not blank', { field: 'body' }),
  textTooLong: (field: string, max: number) => badInput('CONVERSATION_TEXT_TOO_LONG', `${field} must be at most ${max} characters`, { field }),
  agentLacksSkills: (missingSkills: string[]) =>
    badInput('ASSIGNMENT_AGENT_LACKS_SKILLS', `the agent lacks required skills: ${missingSkills.join(', ')}`, { missingSkills }),
  agentAtCapacity: (maxConcurrent: number) =>
    conflict('ASSIGNMENT_AGENT_AT_CAPACITY', `the agent is at capacity (${maxConcurrent} conversations)`, { maxConcurrent }),
  transferNamesNothing: () => badInput('TRANSFER_NAMES_NOTHING', 'a transfer names toQueueId, toAgentId or toChannel', { field: 'toQueueId' }),
  transferChangesNothing: () => badInput('TRANSFER_CHANGES_NOTHING', 'the transfer changes nothing', { field: 'toQueueId' }),
};
