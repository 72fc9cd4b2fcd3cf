import 'reflect-metadata';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { loadConfig } from '../../src/config';
import { readersOf } from '../../src/graphql/access';
import { DEFAULT_MASKED_ROLES } from '../../src/graphql/auth';
import { Role } from '../../src/graphql/enums';
import { codes, collect, data, post, wsClient, type GraphQLResponse } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

/** Unique strings seeded as personal data; each may appear only to the roles that may read its field unmasked. */
const SECRETS = {
  email: { value: 'leak.walk.secret@example.org', field: ['Identity', 'value'] },
  phone: { value: '+8613987650123', field: ['Identity', 'value'] },
  trait: { value: 'Zhuge Leakwalker', field: ['Customer', 'traits'] },
  body: { value: 'my secret parcel code 7Q2LX', field: ['Message', 'body'] },
} as const;
const seesUnmasked = (role: Role, [type, field]: readonly string[]) => readersOf(type, field)!.includes(role) && !DEFAULT_MASKED_ROLES.includes(role);
/** Codes a walk with made-up argument values may meet; never INTERNAL_SERVER_ERROR. */
const EXPECTED_CODES = new Set(['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']);
const DEPTH = 4;

let t: TestServer;
let schema: GraphQLSchema;
let keys: Record<Role, string>;
const ids: Record<string, string> = {};

/** The seeded id an ID argument names: `conversationId` a Conversation's, `id` one of the type the field returns. */
function idFor(argument: string, returned: string): string {
  const named = argument.replace(/Id$/, '');
  return ids[named.charAt(0).toUpperCase() + named.slice(1)] ?? ids[returned] ?? ids.Customer;
}

/** A literal for an argument the walk must give: ids of the seeded objects, otherwise a plausible value of the type. */
function argumentsOf(field: GraphQLField<unknown, unknown>): string | null {
  const given: string[] = [];
  for (const arg of field.args) {
    const type = getNamedType(arg.type);
    if (arg.name === 'first') given.push('first: 3');
    if (!isNonNullType(arg.type)) continue;
    if (isInputObjectType(type)) return null;
    if (type.name === 'ID') given.push(`${arg.name}: "${idFor(arg.name, getNamedType(field.type).name)}"`);
    else if (type.name === 'String') given.push(`${arg.name}: "parcel"`);
    else if (type.name === 'Int' || type.name === 'Float') given.push(`${arg.name}: 1`);
    else if (type.name === 'Boolean') given.push(`${arg.name}: false`);
    else if (isEnumType(type)) given.push(`${arg.name}: ${type.getValues()[0].name}`);
    else return null;
  }
  return given.length ? `(${given.join(', ')})` : '';
}

/**
 * Every field reachable from a type, to `depth` levels of objects, with arguments filled in; with
 * `role`, only those its access rules let it read.
 */
function selectionOf(type: GraphQLNamedType, depth: number, role?: Role): string {
  if (isAbstractType(type)) return '__typename'; // node(id) is walked type by type below
  if (!isObjectType(type)) return '';
  const readable = Object.values(type.getFields()).filter((field) => !role || readersOf(type.name, field.name)!.includes(role));
  const fields = readable.flatMap((field) => {
    const args = argumentsOf(field);
    if (args === null) return [];
    const inner = getNamedType(field.type);
    if (isLeafType(inner)) return [`${field.name}${args}`];
    return depth > 0 ? [`${field.name}${args} { ${selectionOf(inner, depth - 1, role)} }`] : [];
  });
  return ['__typename', ...fields].join(' ');
}

/** The secrets a response shows that the role may not see, and the error codes it carries that it should not. */
function leaks(role: Role, response: GraphQLResponse): { secrets: string[]; codes: string[] } {
  const text = JSON.stringify(response.body);
  return {
    secrets: Object.entries(SECRETS)
      .filter(([, secret]) => !seesUnmasked(role, secret.field) && text.includes(secret.value))
      .map(([name]) => name),
    codes: codes(response).filter((code) => !EXPECTED_CODES.has(code)),
  };
}

beforeAll(async () => {
  // the walk's selections are far larger than a client's: the query limits are lifted for it
  t = await startTestServer({ config: { limits: { ...loadConfig({}).limits, maxDepth: 50, maxCost: 10_000_000, maxTokens: 1_000_000, maxAliases: 100 } } });
  keys = Object.fromEntries(
    await Promise.all(Object.values(Role).map(async (role) => [role, role === Role.ADMIN ? t.adminKey : await t.addKey(role)])),
  ) as Record<Role, string>;
  const identifiers = [
    { type: 'EMAIL', value: SECRETS.email.value },
    { type: 'PHONE', value: SECRETS.phone.value },
  ];
  const admin = (query: string, variables: Record<string, unknown> = {}) => data(t.url, t.adminKey, { query, variables });
  const { openConversation } = await admin(`mutation($input: OpenConversationInput!) { openConversation(input: $input) { id customer { id } } }`, {
    input: { identifiers, channel: 'SMS', subject: 'parcel', body: SECRETS.body.value },
  });
  Object.assign(ids, { Conversation: openConversation.id, Customer: openConversation.customer.id });
  await admin(`mutation($i: [IdentifierInput!]!, $t: JSON) { identify(identifiers: $i, traits: $t) { id } }`, {
    i: identifiers,
    t: { name: SECRETS.trait.value },
  });
  ids.FeedbackItem = (
    await admin(`mutation($input: OpenFeedbackInput!) { openFeedback(input: $input) { id } }`, {
      input: { customerId: ids.Customer, conversationId: ids.Conversation, category: 'COMPLAINT', severity: 'GENERAL', summary: 'parcel late' },
    })
  ).openFeedback.id;
  ids.Segment = (await admin(`mutation { createSegment(input: { name: "walk", kind: STATIC }) { id } }`)).createSegment.id;
  await admin(`mutation($id: ID!, $c: [ID!]!) { addToSegment(id: $id, customerIds: $c) { id } }`, { id: ids.Segment, c: [ids.Customer] });
  ids.ReplyTemplate = (
    await admin(`mutation { createReplyTemplate(input: { name: "walk", channel: SMS, scene: ENQUIRY, body: "hi {{customer.displayName}}" }) { id } }`)
  ).createReplyTemplate.id;
  ids.Template = ids.ReplyTemplate;
  const introspection = await admin(getIntrospectionQuery());
  schema = buildClientSchema(introspection as IntrospectionQuery);
});
afterAll(() => t.stop());

describe('a walk of the whole graph, built from introspection, for every role', () => {
  it('shows no secret to a role that may not see it, and refuses only with coded errors', async () => {
    const rootFields = Object.values(schema.getQueryType()!.getFields());
    const found: Record<string, unknown> = {};
    const seen = new Map<Role, Set<string>>();
    let requests = 0;
    for (const role of Object.values(Role)) {
      seen.set(role, new Set());
      // everything (what the role may not read must be refused), then what its rules let it read (which must be answered)
      for (const only of [undefined, role]) {
        const operations = rootFields.flatMap((field) => {
          const args = argumentsOf(field);
          if (args === null) return [];
          const inner = getNamedType(field.type);
          return [`{ ${field.name}${args}${isLeafType(inner) ? '' : ` { ${selectionOf(inner, DEPTH, only)} }`} }`];
        });
        // every seeded object through node(id) too
        for (const [type, id] of Object.entries(ids))
          if (schema.getType(type)) operations.push(`{ node(id: "${id}") { ... on ${type} { ${selectionOf(schema.getType(type)!, DEPTH, only)} } } }`);
        for (const query of operations) {
          const response = await post(t.url, keys[role], { query });
          requests++;
          const problem = leaks(role, response);
          const refusedWithinRules = only
            ? codes(response).filter((code) => code === 'FORBIDDEN' && !response.body.errors!.every((error) => error.path?.length === 1))
            : [];
          if (problem.secrets.length || problem.codes.length || refusedWithinRules.length)
            found[`${role} ${only ? 'readable' : 'all'} ${query.slice(0, 80)}`] = { ...problem, errors: response.body.errors?.slice(0, 3) };
          const text = JSON.stringify(response.body);
          for (const [name, secret] of Object.entries(SECRETS)) if (text.includes(secret.value)) seen.get(role)!.add(name);
        }
      }
    }
    expect(found).toEqual({});
    expect(requests).toBeGreaterThan(100);
    // the walk reaches the data: each secret is seen by the roles that may see it
    for (const role of Object.values(Role)) {
      const allowed = Object.entries(SECRETS)
        .filter(([, secret]) => seesUnmasked(role, secret.field))
        .map(([name]) => name);
      if (role !== Role.INGEST) expect({ role, seen: [...seen.get(role)!].sort() }).toEqual({ role, seen: allowed.sort() });
    }
  });

  it('over WebSocket, subscription payloads follow the same rules', async () => {
    const subscriptions = [
      { name: 'conversationUpdated', topic: 'CONVERSATION_UPDATED', type: 'ConversationEvent' },
      { name: 'customerLifecycle', topic: 'LIFECYCLE_CHANGED', type: 'LifecycleChange' },
      { name: 'auditEntryAdded', topic: 'AUDIT_ENTRY_ADDED', type: 'AuditEntry' },
    ] as const;
    const expectedEvents = (role: Role, name: string) =>
      readersOf(subscriptions.find((subscription) => subscription.name === name)!.type, 'id')!.includes(role);
    const clients = Object.values(Role).map((role) => ({ role, client: wsClient(t.wsUrl, keys[role]) }));
    const feeds: { role: Role; name: string; feed: ReturnType<typeof collect> }[] = [];
    for (const { role, client } of clients) {
      for (const { name, topic } of subscriptions) {
        const field = schema.getSubscriptionType()!.getFields()[name];
        const live = t.server.bus.fanout.nextSubscriber(topic);
        feeds.push({
          role,
          name,
          feed: collect(client, { query: `subscription { ${name}${argumentsOf(field)} { ${selectionOf(getNamedType(field.type), 2, role)} } }` }),
        });
        if (expectedEvents(role, name)) await live;
      }
    }
    try {
      await data(t.url, t.adminKey, { query: `mutation { createApiKey(name: "walk", role: ANALYST) { secret } }` });
      await data(t.url, t.adminKey, {
        query: `mutation($input: PostMessageInput!) { postMessage(input: $input) { id } }`,
        variables: { input: { conversationId: ids.Conversation, body: SECRETS.body.value, direction: 'INBOUND', author: 'CUSTOMER' } },
      });
      await data(t.url, t.adminKey, {
        query: `mutation($e: [IngestEventInput!]!) { ingest(events: $e) { accepted } }`,
        variables: {
          e: [{ messageId: 'walk-order', kind: 'TRACK', event: 'order_completed', revenue: 10, identifiers: [{ type: 'EMAIL', value: SECRETS.email.value }] }],
        },
      });
      for (const { role, name, feed } of feeds) {
        if (expectedEvents(role, name))
          await feed.waitFor(name === 'auditEntryAdded' ? 2 : 1).catch(() => expect({ role, name, events: feed.events }).toBe('an event'));
        else {
          await feed.waitFor(1); // the refusal, as an error or as a result with errors
          const refusal = (feed.error as { extensions?: { code?: string } }[] | undefined) ?? feed.events[0]?.errors;
          expect({ role, name, error: refusal?.[0]?.extensions?.code }).toEqual({ role, name, error: 'FORBIDDEN' });
        }
        const problems = feed.events
          .map((event) => leaks(role, { status: 200, body: event } as GraphQLResponse))
          .filter((problem) => problem.secrets.length || problem.codes.length);
        expect({ role, name, problems }).toEqual({ role, name, problems: [] });
      }
      const bodies = (role: Role) => JSON.stringify(feeds.find((feed) => feed.role === role && feed.name === 'conversationUpdated')!.feed.events);
      expect(bodies(Role.AGENT)).toContain(SECRETS.body.value);
      expect(bodies(Role.ANALYST)).not.toContain(SECRETS.body.value);
    } finally {
      for (const { feed } of feeds) feed.dispose();
      for (const { client } of clients) await client.dispose();
    }
  });
});
