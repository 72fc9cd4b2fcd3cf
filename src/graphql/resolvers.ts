import type { NonEmptyArray } from 'type-graphql';
import { CustomerResolver } from '../modules/customer/customer.resolver';
import { IngestResolver } from '../modules/ingestion/ingestion.resolver';
import { MergeResolver } from '../modules/customer/merge.resolver';
import { PrivacyResolver } from '../modules/customer/privacy.resolver';
import { KnowledgeResolver } from '../modules/knowledge/knowledge.resolver';
import { TemplateResolver } from '../modules/template/template.resolver';
import { CustomerFeedbackResolver, FeedbackResolver } from '../modules/feedback/feedback.resolver';
import { ConversationSurveyResolver, CustomerSurveyResolver, SurveyResolver } from '../modules/feedback/survey.resolver';
import { DashboardResolver } from '../modules/metrics/dashboard.resolver';
import { MetricsResolver } from '../modules/metrics/metrics.resolver';
import { CustomerSegmentsResolver, SegmentPreviewResolver, SegmentResolver } from '../modules/segment/segment.resolver';
import { LifecycleResolver } from '../modules/lifecycle/lifecycle.resolver';
import { PreferenceMutations, PreferenceResolver } from '../modules/preference/preference.resolver';
import { ApiKeyResolver } from '../modules/workspace/api-key.resolver';
import { AuditResolver } from '../modules/workspace/audit.resolver';
import { WorkspaceResolver } from '../modules/workspace/workspace.resolver';
import { NodeResolver } from './node.resolver';
import { ConversationMessageResolvers } from '../modules/conversation/conversation.resolvers';
import { QueueResolver, AgentResolver } from '../modules/queue/queue.resolver';
import { QueueEventsResolver } from '../modules/queue/queue-events.resolver';

/** Every resolver class of the graph. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql takes resolver classes as Function
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  WorkspaceResolver,
  ApiKeyResolver,
  AuditResolver,
  IngestResolver,
  MergeResolver,
  PrivacyResolver,
  CustomerResolver,
  LifecycleResolver,
  PreferenceResolver,
  PreferenceMutations,
  KnowledgeResolver,
  TemplateResolver,
  FeedbackResolver,
  CustomerFeedbackResolver,
  SurveyResolver,
  CustomerSurveyResolver,
  ConversationSurveyResolver,
  ...ConversationMessageResolvers,
  QueueResolver,
  AgentResolver,
  QueueEventsResolver,
  MetricsResolver,
  DashboardResolver,
  SegmentResolver,
  SegmentPreviewResolver,
  CustomerSegmentsResolver,
];
