import 'reflect-metadata';
import { GraphQLEnumType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync, getMetadataStorage, type NonEmptyArray } from 'type-graphql';
import type { PubSub } from 'type-graphql';
import { Fanout } from '../events/fanout';
import { logger } from '../telemetry/logger';
import { enforceTypeAccess } from './access';
import type { AuthChecker } from 'type-graphql';
import type { Context } from '../context';
import { Role } from './enums';
import { contractEnums } from './enums';
import { DateTimeScalar, JSONScalar, scalarsMap } from './scalars';
import { CustomerResolver } from '../modules/customer/customer.resolver';
import { IngestResolver } from '../modules/ingestion/ingestion.resolver';
import { IntakeResolver } from '../modules/intake/intake.resolver';
import { AgentCareResolver, CustomerCareResolver } from '../modules/care/care.resolver';
import { CareTaskResolver, CustomerCareTasksResolver } from '../modules/care/care-task.resolver';
import { PlaybookResolver } from '../modules/care/playbook.resolver';
import { ExperimentAssignmentResolver, ExperimentResolver } from '../modules/experiment/experiment.resolver';
import { WebhookResolver } from '../modules/webhook/webhook.resolver';
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
import { ConversationEventsResolver } from '../modules/conversation/conversation-events.resolver';
import { ConversationResolver, MessageResolver } from '../modules/conversation/conversation.resolver';
import { CustomerConversationsResolver, QueueLineResolver } from '../modules/conversation/customer-conversations.resolver';
import { QueueResolver, AgentResolver } from '../modules/queue/queue.resolver';
import { QueueEventsResolver } from '../modules/queue/queue-events.resolver';

/** Every resolver class of the graph. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql takes resolver classes as Function
const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  WorkspaceResolver,
  ApiKeyResolver,
  AuditResolver,
  IngestResolver,
  IntakeResolver,
  CustomerCareResolver,
  AgentCareResolver,
  CareTaskResolver,
  CustomerCareTasksResolver,
  PlaybookResolver,
  ExperimentResolver,
  ExperimentAssignmentResolver,
  WebhookResolver,
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
  ConversationResolver,
  MessageResolver,
  CustomerConversationsResolver,
  QueueLineResolver,
  ConversationEventsResolver,
  QueueResolver,
  AgentResolver,
  QueueEventsResolver,
  MetricsResolver,
  DashboardResolver,
  SegmentResolver,
  SegmentPreviewResolver,
  CustomerSegmentsResolver,
];

/**
 * Builds the executable schema from the resolvers, with every type's access rule on its fields.
 * The contract's enums and scalars are served whether or not a field uses them yet.
 */
export function buildGraphQLSchema(pubSub: PubSub = new Fanout(logger) as PubSub): GraphQLSchema {
  resolvePlainFieldsSimply();
  const schema = buildSchemaSync({
    resolvers,
    authChecker,
    authMode: 'error',
    pubSub,
    scalarsMap,
    validate: false,
  });
  const config = schema.toConfig();
  const present = new Set(config.types.map((type) => type.name));
  const missing = [
    ...Object.entries(contractEnums)
      .filter(([name]) => !present.has(name))
      .map(([name, values]) => new GraphQLEnumType({ name, values: Object.fromEntries(Object.keys(values).map((key) => [key, { value: key }])) })),
    ...[DateTimeScalar, JSONScalar].filter((scalar) => !present.has(scalar.name)),
  ];
  return enforceTypeAccess(new GraphQLSchema({ ...config, types: [...config.types, ...missing] }));
}

/**
 * A plain field (a property, under its own name, without middleware or `@Authorized`) is read
 * straight from its object, as graphql-js does by default, instead of through type-graphql's
 * per-field middleware chain (its `simpleResolvers`). Access rules are put on afterwards
 * ({@link enforceTypeAccess}) and hold either way.
 */
function resolvePlainFieldsSimply(): void {
  const storage = getMetadataStorage();
  const ruled = new Set([...storage.authorizedFields, ...storage.middlewares].map((rule) => `${rule.target.name}.${rule.fieldName}`));
  for (const field of storage.fields) {
    if (field.simple === undefined && field.name === field.schemaName && !ruled.has(`${field.target.name}.${field.name}`)) field.simple = true;
  }
}

/** The SDL committed as schema/schema.graphql: sorted, so diffs show only real changes. */
export function printSDL(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

/** Root fields' `@Authorized(...)` roles; ADMIN may do everything in its workspace. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) =>
  roles.length === 0 || context.viewer.role === Role.ADMIN || roles.includes(context.viewer.role);
