import { ConversationStatus } from '../../graphql/enums';
import { ConversationErrors } from './conversation.errors';

const { QUEUED, ASSIGNED, WAITING_ON_CUSTOMER, RESOLVED, CLOSED } = ConversationStatus;

/** Statuses of a conversation someone still has to handle. */
export const OPEN_STATUSES: readonly ConversationStatus[] = [QUEUED, ASSIGNED, WAITING_ON_CUSTOMER];

/** What may be done to a conversation; its status decides which. */
export type ConversationStep = 'post' | 'reply' | 'assign' | 'transfer' | 'escalate' | 'resolve' | 'reopen' | 'close';

/** From which statuses each step may be taken. */
const ALLOWED: Record<ConversationStep, readonly ConversationStatus[]> = {
  post: OPEN_STATUSES,
  reply: OPEN_STATUSES,
  assign: OPEN_STATUSES,
  transfer: OPEN_STATUSES,
  escalate: OPEN_STATUSES,
  resolve: OPEN_STATUSES,
  reopen: [RESOLVED],
  close: [RESOLVED],
};

const HINT: Partial<Record<ConversationStatus, string>> = {
  [RESOLVED]: 'reopen it first',
  [CLOSED]: 'a closed conversation takes no more changes; open a new one',
};

/** Refuses a step the conversation's status does not allow (BAD_USER_INPUT, with both in details). */
export function checkStep(status: ConversationStatus, step: ConversationStep): void {
  if (ALLOWED[step].includes(status)) return;
  const hint = step === 'reopen' || step === 'close' ? 'only a RESOLVED conversation can be' : (HINT[status] ?? 'not allowed');
  throw ConversationErrors.stepNotAllowed(
    `cannot ${step} a ${status} conversation: ${hint}${step === 'reopen' || step === 'close' ? ` ${step === 'reopen' ? 'reopened' : 'closed'}` : ''}`,
    status,
    step,
  );
}

/** The status after a message: an agent's reply waits on the customer; the customer's answer goes back to the agent. */
export function statusAfterMessage(status: ConversationStatus, outboundByAgent: boolean, inbound: boolean): ConversationStatus {
  if (outboundByAgent && status === ASSIGNED) return WAITING_ON_CUSTOMER;
  if (inbound && status === WAITING_ON_CUSTOMER) return ASSIGNED;
  return status;
}

/** A topic that names a complaint (投诉): such a conversation takes the complaint lane at the front of its queue. */
export const isComplaintTopic = (topic: string | null | undefined): boolean => Boolean(topic && /complain|投诉/i.test(topic));

/** Why a conversation is escalated: not blank, at most 500 characters. */
export function checkReason(reason: string): string {
  const trimmed = reason.trim();
  if (!trimmed || trimmed.length > 500) throw ConversationErrors.escalationReasonLength();
  return trimmed;
}

/** A message body: not blank, at most 10,000 characters. */
export function checkBody(body: string): string {
  if (!body.trim() || body.length > 10_000) throw ConversationErrors.bodyLength();
  return body;
}

/** Optional short text (subject, topic, note): trimmed, null when blank. */
export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  if (trimmed.length > max) throw ConversationErrors.textTooLong(field, max);
  return trimmed;
}
