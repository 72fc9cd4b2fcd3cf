import { defaultFieldResolver, GraphQLObjectType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { RequestErrors } from './request.errors';
import type { Context } from '../context';
import { Role } from './enums';
import { may } from './auth';
import { personalFields, type Mask } from './masking';

const { ADMIN, AGENT, MARKETER, ANALYST, INGEST } = Role;
const EVERYONE: readonly Role[] = [ADMIN, AGENT, MARKETER, ANALYST, INGEST];

/** Who may read an object type's fields, and single fields that differ from the type. */
export interface TypeAccess {
  read: readonly Role[];
  fields?: Record<string, readonly Role[]>;
}

/**
 * What a key that only writes (INGEST: ingest, identify, a conversation opened from a widget, an
 * inbound message, a survey) reads back of what it wrote: the ids, and the values it sent.
 */
const writerSees = (readers: readonly Role[], ...fields: string[]): Record<string, readonly Role[]> =>
  Object.fromEntries(fields.map((field) => [field, [...readers, INGEST]]));

/**
 * Who may read what: every object type of the graph, in one place (the README's role table).
 * The rule holds on every path to the type (root fields, nested edges, mutation and subscription
 * payloads, `node`), since each field checks it. A type missing here fails the schema build.
 * `<Type>Connection` and `<Type>Edge` follow `<Type>`.
 */
export const typeAccess: Record<string, TypeAccess> = {
  PageInfo: { read: EVERYONE },
  Workspace: { read: may.readWorkspace },
  WorkspaceSettings: { read: may.readWorkspace },
  ApiKey: { read: may.administer },
  CreatedApiKey: { read: may.administer },
  AuditEntry: { read: may.readAudit },

  Customer: {
    read: may.readCustomers,
    fields: {
      ...writerSees(may.readCustomers, 'id'),
      conversations: may.readConversations,
      timeline: may.readConversations,
      owner: may.readConversations,
      careTasks: may.readCare,
      dueContact: may.readCare,
      feedbackItems: may.readFeedback,
      surveyResponses: may.readFeedback,
    },
  },
  Identity: { read: may.readCustomers },
  ContactCadence: { read: may.readWorkspace },
  Playbook: { read: may.readCare },
  PlaybookStep: { read: may.readCare },
  PlaybookStats: { read: may.readCare },
  CareTask: { read: may.readCare },
  DueContact: { read: may.readCare },
  Experiment: { read: may.readExperiments },
  ExperimentVariant: { read: may.readExperiments },
  VariantResult: { read: may.readExperiments },
  ExperimentResults: { read: may.readExperiments },
  ExperimentAssignment: { read: may.assignVariants },
  BusinessMetrics: { read: may.readBusinessMetrics },
  WeeklyReport: { read: may.readBusinessMetrics },
  Webhook: { read: may.administer },
  WebhookDelivery: { read: may.administer },
  CreatedWebhook: { read: may.administer },
  ExperimentReport: { read: may.readBusinessMetrics },
  IdentityRule: { read: may.readCustomers },
  Event: { read: may.readCustomers },
  CustomerMerge: { read: may.readCustomers },
  LifecycleTransition: { read: may.readCustomers },
  LifecycleChange: { read: may.readCustomers },
  CustomerPreferences: { read: may.readCustomers },
  Consent: { read: may.readCustomers },
  ConsentChange: { read: may.readCustomers },
  QuietHours: { read: may.readCustomers },
  FrequencyCap: { read: may.readCustomers },
  Contactability: { read: may.readCustomers },
  IngestResult: { read: may.ingest },
  IngestItemError: { read: may.ingest },
  IngestionStatus: { read: may.readIntake },
  IntakeFailure: { read: may.readIntake },
  MergePreview: { read: may.administer },
  UnlinkedIdentifier: { read: may.administer },
  CustomerExport: { read: may.administer },

  Segment: { read: may.readSegments },
  SegmentPreview: { read: may.readSegments },
  SegmentRefreshResult: { read: may.manageSegments },
  SegmentMembershipEvent: { read: may.readSegments },

  Conversation: {
    read: may.readConversations,
    fields: writerSees(may.readConversations, 'id', 'customer', 'channel', 'subject', 'topic', 'status', 'createdAt'),
  },
  Message: {
    read: may.readConversations,
    fields: writerSees(may.readConversations, 'id', 'conversationId', 'direction', 'channel', 'author', 'body', 'createdAt'),
  },
  Transfer: { read: may.readConversations },
  Escalation: { read: may.readConversations },
  ConversationEvent: { read: may.readConversations },
  Queue: { read: may.readConversations },
  QueueStats: { read: may.readConversations },
  QueueEvent: { read: may.readConversations },
  Agent: { read: may.readConversations },
  SlaPolicy: { read: may.readConversations },
  SlaAlert: { read: may.readConversations },

  FeedbackItem: { read: may.readFeedback },
  FollowUp: { read: may.readFeedback },
  SurveyResponse: { read: may.readFeedback, fields: writerSees(may.readFeedback, 'id', 'customer', 'kind', 'score', 'comment', 'channel', 'createdAt') },

  CustomerMetrics: { read: may.readMetrics },
  CountByKey: { read: may.readMetrics },
  ServiceMetrics: { read: may.readMetrics },
  DashboardSnapshot: { read: may.readMetrics },

  KnowledgeArticle: { read: may.readKnowledge },
  KnowledgeMatch: { read: may.readKnowledge },
  ReplyTemplate: { read: may.readKnowledge },
  RenderedTemplate: { read: may.readKnowledge },
};

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** The rule of a type: its own, or for a connection or an edge, its node type's. */
export function accessOf(typeName: string): TypeAccess | undefined {
  return typeAccess[typeName] ?? typeAccess[typeName.replace(/(Connection|Edge)$/, '')];
}

/** The roles that may read `Type.field`. */
export function readersOf(typeName: string, fieldName: string): readonly Role[] | undefined {
  const rule = accessOf(typeName);
  return rule && (rule.fields?.[fieldName] ?? rule.read);
}

/**
 * Puts the access rules on the schema: every field of every object type that not everyone may
 * read refuses other roles with FORBIDDEN before it resolves, and every personal field
 * ({@link personalFields}) answers masked to the roles that see personal data so. Root fields keep their own
 * `@Authorized` rules. Throws when an object type has no rule, or a rule names a field that is not
 * there: a new type or edge can never be readable by omission.
 */
export function enforceTypeAccess(schema: GraphQLSchema): GraphQLSchema {
  const objectTypes = Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && !ROOT_TYPES.has(type.name),
  );
  const missing = objectTypes.filter((type) => !accessOf(type.name)).map((type) => type.name);
  if (missing.length) throw new Error(`object types without an access rule in src/graphql/access.ts: ${missing.join(', ')}`);
  for (const [name, rule] of Object.entries(typeAccess)) {
    const type = schema.getType(name);
    if (!type) throw new Error(`src/graphql/access.ts has a rule for ${name}, which the schema does not have`);
    const fields = (type as GraphQLObjectType).getFields();
    for (const field of Object.keys(rule.fields ?? {}))
      if (!fields[field]) throw new Error(`src/graphql/access.ts names ${name}.${field}, which the schema does not have`);
  }
  for (const coordinate of Object.keys(personalFields)) {
    const [type, field] = coordinate.split('.');
    if (!(schema.getType(type) as GraphQLObjectType | undefined)?.getFields()[field])
      throw new Error(`src/graphql/masking.ts masks ${coordinate}, which the schema does not have`);
  }
  for (const type of objectTypes) {
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const readers = new Set(readersOf(type.name, field.name));
      const mask = personalFields[coordinate];
      if (!mask && EVERYONE.every((role) => readers.has(role))) continue;
      field.resolve = guarded(field.resolve ?? defaultFieldResolver, readers, coordinate, mask);
    }
  }
  return schema;
}

function guarded(resolve: GraphQLFieldResolver<unknown, Context>, readers: Set<Role>, coordinate: string, mask?: Mask): GraphQLFieldResolver<unknown, Context> {
  return (source, args, context, info) => {
    const role = context.viewer.role;
    if (!readers.has(role)) throw RequestErrors.roleMayNotRead(role, coordinate);
    const value = resolve(source, args, context, info);
    if (!mask || !context.viewer.masked) return value;
    const masked = (plain: unknown) => (plain === null || plain === undefined ? plain : mask(plain, source as Record<string, unknown>, context));
    return value instanceof Promise ? value.then(masked) : masked(value);
  };
}
