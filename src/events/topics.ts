/**
 * Every bus topic and its payload. Payloads carry the workspace (`ws`), ids and primitives only:
 * subscribers load fresh data with their own workspace and role, and NOTIFY stays small.
 */
export interface Topics {
  /** An API key was revoked: its cached authentication and open sockets must go. */
  API_KEY_REVOKED: { ws: string; keyId: string };
  /** An audit entry was written. */
  AUDIT_ENTRY_ADDED: { ws: string; entryId: string };
  /** Customers changed lifecycle stage: [customerId, transitionId] pairs. */
  LIFECYCLE_CHANGED: { ws: string; changes: [string, string][] };
  /** Feedback items that just became overdue (each is published once). */
  FEEDBACK_OVERDUE: { ws: string; ids: string[] };
}

export type Topic = keyof Topics;
