import { registerEnumType } from 'type-graphql';

/** The contract's shared enums, registered with type-graphql under their contract names. */
export enum Channel {
  PHONE = 'PHONE',
  WEB_CHAT = 'WEB_CHAT',
  WECHAT = 'WECHAT',
  APP = 'APP',
  EMAIL = 'EMAIL',
  SMS = 'SMS',
  SOCIAL = 'SOCIAL',
  IN_PERSON = 'IN_PERSON',
}
export enum IdentityType {
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  MEMBER_ID = 'MEMBER_ID',
  WECHAT_OPENID = 'WECHAT_OPENID',
  WECHAT_UNIONID = 'WECHAT_UNIONID',
  DEVICE_ID = 'DEVICE_ID',
  EXTERNAL_ID = 'EXTERNAL_ID',
  ANONYMOUS_ID = 'ANONYMOUS_ID',
}
export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
  MARKETER = 'MARKETER',
  ANALYST = 'ANALYST',
  INGEST = 'INGEST',
}
export enum LifecycleStage {
  PROSPECT = 'PROSPECT',
  NEW = 'NEW',
  ACTIVE = 'ACTIVE',
  AT_RISK = 'AT_RISK',
  CHURNED = 'CHURNED',
  REACTIVATED = 'REACTIVATED',
}
export enum ValueTier {
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  BASIC = 'BASIC',
}
export enum ContactPurpose {
  SERVICE = 'SERVICE',
  MARKETING = 'MARKETING',
}
export enum ContactBlock {
  NO_CONSENT = 'NO_CONSENT',
  QUIET_HOURS = 'QUIET_HOURS',
  FREQUENCY_CAP = 'FREQUENCY_CAP',
  CHANNEL_UNREACHABLE = 'CHANNEL_UNREACHABLE',
  ERASED = 'ERASED',
}
export enum IngestKind {
  IDENTIFY = 'IDENTIFY',
  TRACK = 'TRACK',
}
export enum CustomerSort {
  LAST_SEEN_DESC = 'LAST_SEEN_DESC',
  CREATED_DESC = 'CREATED_DESC',
  TOTAL_SPEND_DESC = 'TOTAL_SPEND_DESC',
}
export enum SegmentKind {
  DYNAMIC = 'DYNAMIC',
  STATIC = 'STATIC',
}
export enum CompareOp {
  EQ = 'EQ',
  NEQ = 'NEQ',
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
  IN = 'IN',
  NOT_IN = 'NOT_IN',
  CONTAINS = 'CONTAINS',
  STARTS_WITH = 'STARTS_WITH',
  EXISTS = 'EXISTS',
  NOT_EXISTS = 'NOT_EXISTS',
}
export enum CustomerField {
  LIFECYCLE_STAGE = 'LIFECYCLE_STAGE',
  VALUE_TIER = 'VALUE_TIER',
  TOTAL_SPEND = 'TOTAL_SPEND',
  ORDER_COUNT = 'ORDER_COUNT',
  FIRST_SEEN_AT = 'FIRST_SEEN_AT',
  LAST_SEEN_AT = 'LAST_SEEN_AT',
  LAST_PURCHASE_AT = 'LAST_PURCHASE_AT',
  TAG = 'TAG',
  PREFERRED_CHANNEL = 'PREFERRED_CHANNEL',
  LANGUAGE = 'LANGUAGE',
}
export enum MembershipChange {
  ENTERED = 'ENTERED',
  EXITED = 'EXITED',
}
export enum ConversationStatus {
  QUEUED = 'QUEUED',
  ASSIGNED = 'ASSIGNED',
  WAITING_ON_CUSTOMER = 'WAITING_ON_CUSTOMER',
  RESOLVED = 'RESOLVED',
  CLOSED = 'CLOSED',
}
export enum Priority {
  URGENT = 'URGENT',
  HIGH = 'HIGH',
  NORMAL = 'NORMAL',
  LOW = 'LOW',
}
export enum MessageDirection {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}
export enum AuthorKind {
  CUSTOMER = 'CUSTOMER',
  AGENT = 'AGENT',
  BOT = 'BOT',
  SYSTEM = 'SYSTEM',
}
export enum AgentStatus {
  ONLINE = 'ONLINE',
  AWAY = 'AWAY',
  OFFLINE = 'OFFLINE',
}
export enum SlaState {
  OK = 'OK',
  AT_RISK = 'AT_RISK',
  BREACHED = 'BREACHED',
  MET = 'MET',
}
export enum QueueChange {
  ENQUEUED = 'ENQUEUED',
  ASSIGNED = 'ASSIGNED',
  TRANSFERRED = 'TRANSFERRED',
  RESOLVED = 'RESOLVED',
  STATS = 'STATS',
}
export enum SurveyKind {
  CSAT = 'CSAT',
  NPS = 'NPS',
  CES = 'CES',
}
export enum FeedbackCategory {
  COMPLAINT = 'COMPLAINT',
  SUGGESTION = 'SUGGESTION',
  PRAISE = 'PRAISE',
  QUESTION = 'QUESTION',
}
export enum FeedbackSeverity {
  GENERAL = 'GENERAL',
  COMPLEX = 'COMPLEX',
  MAJOR = 'MAJOR',
}
export enum FeedbackStatus {
  OPEN = 'OPEN',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
  VERIFIED = 'VERIFIED',
  CLOSED = 'CLOSED',
}
export enum MetricGroup {
  NONE = 'NONE',
  CHANNEL = 'CHANNEL',
  AGENT = 'AGENT',
  QUEUE = 'QUEUE',
  DAY = 'DAY',
}
export enum Scene {
  ENQUIRY = 'ENQUIRY',
  MARKETING = 'MARKETING',
  AFTER_SALES = 'AFTER_SALES',
  COMPLAINT = 'COMPLAINT',
  ONBOARDING = 'ONBOARDING',
  WIN_BACK = 'WIN_BACK',
}

export enum PlaybookTrigger {
  FIRST_PURCHASE = 'FIRST_PURCHASE',
  BECAME_AT_RISK = 'BECAME_AT_RISK',
  COMPLAINT_OPENED = 'COMPLAINT_OPENED',
  CONVERSATION_RESOLVED = 'CONVERSATION_RESOLVED',
  SEGMENT_ENTERED = 'SEGMENT_ENTERED',
}

export enum CareTaskStatus {
  OPEN = 'OPEN',
  DONE = 'DONE',
  CANCELLED = 'CANCELLED',
}

export enum ExperimentStatus {
  DRAFT = 'DRAFT',
  RUNNING = 'RUNNING',
  STOPPED = 'STOPPED',
}

export enum WebhookTopic {
  SEGMENT_MEMBERSHIP = 'SEGMENT_MEMBERSHIP',
  LIFECYCLE_CHANGED = 'LIFECYCLE_CHANGED',
  CUSTOMER_MERGED = 'CUSTOMER_MERGED',
  CUSTOMER_ERASED = 'CUSTOMER_ERASED',
  CONVERSATION_UPDATED = 'CONVERSATION_UPDATED',
  SLA_ALERT = 'SLA_ALERT',
  FEEDBACK_OVERDUE = 'FEEDBACK_OVERDUE',
  CARE_TASK_DUE = 'CARE_TASK_DUE',
  EXPERIMENT_STOPPED = 'EXPERIMENT_STOPPED',
  /** testWebhook's signed ping. */
  PING = 'PING',
}

export enum DeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

/** Every enum above, by its GraphQL name; the schema builder serves them all, used by a field or not. */
export const contractEnums = {
  Channel,
  IdentityType,
  Role,
  LifecycleStage,
  ValueTier,
  ContactPurpose,
  ContactBlock,
  IngestKind,
  CustomerSort,
  SegmentKind,
  CompareOp,
  CustomerField,
  MembershipChange,
  ConversationStatus,
  Priority,
  MessageDirection,
  AuthorKind,
  AgentStatus,
  SlaState,
  QueueChange,
  SurveyKind,
  FeedbackCategory,
  FeedbackSeverity,
  FeedbackStatus,
  MetricGroup,
  Scene,
  PlaybookTrigger,
  CareTaskStatus,
  ExperimentStatus,
  WebhookTopic,
  DeliveryStatus,
};

for (const [name, values] of Object.entries(contractEnums)) registerEnumType(values, { name });
