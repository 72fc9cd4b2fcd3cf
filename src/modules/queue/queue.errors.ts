import { badInput, conflict, notFound } from '../../errors';

/** Refusals of queues, agents and SLA policies. */
export const QueueErrors = {
  queueNotFound: (id: string) => notFound('QUEUE_NOT_FOUND', 'Queue', id),
  agentNotFound: (id: string) => notFound('AGENT_NOT_FOUND', 'Agent', id),
  slaPolicyNotFound: (id: string) => notFound('SLA_POLICY_NOT_FOUND', 'SlaPolicy', id),
  nameLength: (field: string) => badInput('QUEUE_NAME_LENGTH', `${field} must be 1 to 200 characters`, { field }),
  skillsInvalid: (field: string) => badInput('QUEUE_SKILLS_INVALID', `${field}: at most 50 skills of 1 to 64 characters`, { field }),
  queueNameTaken: (name: string) => conflict('QUEUE_NAME_TAKEN', `a queue named "${name}" already exists`, { field: 'name' }),
  slaPolicyNameTaken: (name: string) => conflict('SLA_POLICY_NAME_TAKEN', `a SLA policy named "${name}" already exists`, { field: 'name' }),
  slaTargetsInvalid: (problem: string) => badInput('SLA_TARGETS_INVALID', problem),
  queueNeedsChannel: () => badInput('QUEUE_NEEDS_CHANNEL', 'a queue takes at least one channel', { field: 'channels' }),
  agentEmailInvalid: () => badInput('AGENT_EMAIL_INVALID', 'email is not an e-mail address', { field: 'email' }),
  agentCapacityRange: () => badInput('AGENT_MAX_CONCURRENT_RANGE', 'maxConcurrent must be 1 to 100', { field: 'maxConcurrent' }),
};
