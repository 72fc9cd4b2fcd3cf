import { Role } from './enums';

/** Who is calling: the workspace and role of the API key, and the key itself. */
export interface Viewer {
  workspaceId: string;
  role: Role;
  keyId: string;
  /** Whether this key sees personal data masked: its role is one of the workspace's `maskedRoles`. */
  masked: boolean;
}

const { ADMIN, AGENT, MARKETER, ANALYST, INGEST } = Role;
const EVERYONE = [ADMIN, AGENT, MARKETER, ANALYST, INGEST];

/**
 * Which roles may do what (the design's Access table). Resolvers name one of these in
 * `@Authorized(...)`; ADMIN may do everything in its workspace.
 */
export const may = {
  readWorkspace: EVERYONE,
  administer: [ADMIN],
  readAudit: [ADMIN, ANALYST],
  readCustomers: [ADMIN, AGENT, MARKETER, ANALYST],
  tagCustomers: [ADMIN, AGENT, MARKETER],
  ingest: [ADMIN, INGEST],
  readIntake: [ADMIN, ANALYST],
  manageSegments: [ADMIN, MARKETER],
  readSegments: [ADMIN, MARKETER, ANALYST],
  managePreferences: [ADMIN, MARKETER],
  handleConversations: [ADMIN, AGENT],
  openConversations: [ADMIN, AGENT, INGEST],
  readConversations: [ADMIN, AGENT, ANALYST],
  submitSurveys: [ADMIN, AGENT, INGEST],
  readMetrics: [ADMIN, MARKETER, ANALYST, AGENT],
  readFeedback: [ADMIN, AGENT, MARKETER, ANALYST],
  handleFeedback: [ADMIN, AGENT],
  readKnowledge: [ADMIN, AGENT, MARKETER, ANALYST],
  manageKnowledge: [ADMIN, AGENT],
  manageTemplates: [ADMIN, AGENT, MARKETER],
  readCare: [ADMIN, AGENT, MARKETER, ANALYST],
  handleCare: [ADMIN, AGENT],
  managePlaybooks: [ADMIN, MARKETER],
  readExperiments: [ADMIN, MARKETER, ANALYST],
  manageExperiments: [ADMIN, MARKETER],
  assignVariants: [ADMIN, MARKETER, AGENT],
  readBusinessMetrics: [ADMIN, MARKETER, ANALYST],
} satisfies Record<string, Role[]>;

/** The roles that see personal data (graphql/masking.ts) masked unless a workspace says otherwise; ADMIN never does. */
export const DEFAULT_MASKED_ROLES: readonly Role[] = [ANALYST];
