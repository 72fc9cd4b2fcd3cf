/**
 * Every bus topic and its payload. Payloads carry the workspace (`ws`), ids and primitives only:
 * subscribers load fresh data with their own workspace and role, and NOTIFY stays small.
 */
export interface Topics {
  /** An API key was revoked: its cached authentication and open sockets must go. */
  API_KEY_REVOKED: { ws: string; keyId: string };
  /** The roles that see personal data masked changed: keys must be authenticated again. */
  WORKSPACE_MASKING_CHANGED: { ws: string; maskedRoles: string[] };
  /** An audit entry was written. */
  AUDIT_ENTRY_ADDED: { ws: string; entryId: string };
  /** Customers changed lifecycle stage: [customerId, transitionId] pairs. */
  LIFECYCLE_CHANGED: { ws: string; changes: [string, string][] };
  /** Care tasks that fell due or became overdue (each once as each): [taskId, ownerId or ''] pairs. */
  CARE_TASK_DUE: { ws: string; tasks: [string, string][] };
  /** Feedback items that just became overdue (each is published once). */
  FEEDBACK_OVERDUE: { ws: string; ids: string[] };
  /** Customers entered or exited a segment: [customerId, ENTERED | EXITED] pairs. */
  SEGMENT_MEMBERSHIP: { ws: string; segmentId: string; changes: [string, string][] };
  /** A queue's line changed (`change` is a QueueChange); `at` is ISO text. */
  QUEUE_UPDATED: { ws: string; queueId: string; change: string; conversationId: string | null; at: string };
  /** Something happened to a conversation: OPENED, MESSAGE, ASSIGNED, TRANSFERRED, STATUS, SLA. */
  CONVERSATION_UPDATED: { ws: string; conversationId: string; kind: string; messageId: string | null; at: string };
  /** Calls were stored in a workspace's intake: drainers in every process look. */
  INTAKE_ACCEPTED: { ws: string };
  /** Routing or a person gave an agent a conversation. */
  AGENT_ASSIGNED: { ws: string; agentId: string; conversationId: string };
  /** An SLA target of a conversation became AT_RISK or BREACHED (`target` FIRST_RESPONSE or RESOLUTION). */
  SLA_ALERT: { ws: string; queueId: string | null; conversationId: string; state: string; target: string; dueAt: string; at: string };
}

export type Topic = keyof Topics;
