import 'reflect-metadata';
import { buildSchema } from 'graphql';
import { enforceTypeAccess } from '../../src/graphql/access';
import { Role } from '../../src/graphql/enums';
import { codes, data, post, wsClient, type GraphQLResponse } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

const SECRET_EMAIL = 'hidden.person.7731@example.com';
const SECRET_BODY = 'my card number is the secret 4242';
let t: TestServer;
let customerId: string;
let keys: Record<Role, string>;

const gql = (key: string, query: string, variables: Record<string, unknown> = {}) => post(t.url, key, { query, variables });

/** A refusal: every error a coded FORBIDDEN naming the field, and nothing of the secrets in the answer. */
function expectRefused(response: GraphQLResponse, ...fields: string[]): void {
  expect(response.body.errors?.length).toBeGreaterThan(0);
  expect(new Set(codes(response))).toEqual(new Set(['FORBIDDEN']));
  for (const field of fields) expect(response.body.errors!.map((error) => error.message).join(' ')).toContain(field);
  expect(JSON.stringify(response.body)).not.toMatch(new RegExp(`${SECRET_EMAIL}|${SECRET_BODY}`));
}

beforeAll(async () => {
  t = await startTestServer();
  keys = Object.fromEntries(
    await Promise.all(Object.values(Role).map(async (role) => [role, role === Role.ADMIN ? t.adminKey : await t.addKey(role)])),
  ) as Record<Role, string>;
  const opened = await data(t.url, t.adminKey, {
    query: `mutation($input: OpenConversationInput!) { openConversation(input: $input) { id customer { id } } }`,
    variables: { input: { identifiers: [{ type: 'EMAIL', value: SECRET_EMAIL }], channel: 'EMAIL', body: SECRET_BODY } },
  });
  customerId = opened.openConversation.customer.id;
  await data(t.url, t.adminKey, {
    query: `mutation($input: OpenFeedbackInput!) { openFeedback(input: $input) { id } }`,
    variables: { input: { customerId, conversationId: opened.openConversation.id, category: 'COMPLAINT', severity: 'GENERAL', summary: 'late parcel' } },
  });
  const { createSegment } = await data(t.url, t.adminKey, { query: `mutation { createSegment(input: { name: "VIP list", kind: STATIC }) { id } }` });
  await data(t.url, t.adminKey, {
    query: `mutation($id: ID!, $c: [ID!]!) { addToSegment(id: $id, customerIds: $c) { id } }`,
    variables: { id: createSegment.id, c: [customerId] },
  });
});
afterAll(() => t.stop());

describe('access declared on types holds on nested edges and payloads', () => {
  it('an INGEST key reads back the id of the customer identify returns, and nothing of its profile', async () => {
    const identifiers = [{ type: 'EMAIL', value: SECRET_EMAIL }];
    const { identify } = await data(t.url, keys.INGEST, {
      query: `mutation($i: [IdentifierInput!]!) { identify(identifiers: $i) { id } }`,
      variables: { i: identifiers },
    });
    expect(identify.id).toBe(customerId);
    const profile = await gql(
      keys.INGEST,
      `mutation($i: [IdentifierInput!]!) { identify(identifiers: $i) { id identities { type value } traits totalSpend segments { name } consentHistory { channel } } }`,
      { i: identifiers },
    );
    expectRefused(profile, 'Customer.');
    expect(profile.body.data).toBeNull();
    expectRefused(
      await gql(keys.INGEST, `mutation($i: [IdentifierInput!]!) { identify(identifiers: $i) { id displayName } }`, { i: identifiers }),
      'Customer.displayName',
    );
  });

  it('a MARKETER key reads feedback and surveys but not the conversations behind them', async () => {
    const { feedbackItems } = await data(t.url, keys.MARKETER, { query: `{ feedbackItems(first: 10) { edges { node { summary } } } }` });
    expect(feedbackItems.edges.map((edge: { node: { summary: string } }) => edge.node.summary)).toEqual(['late parcel']);
    expectRefused(
      await gql(keys.MARKETER, `{ feedbackItems(first: 10) { edges { node { conversation { messages(first: 5) { edges { node { body } } } } } } } }`),
      'Conversation.messages',
    );
    expectRefused(await gql(keys.MARKETER, `query($id: ID!) { customer(id: $id) { conversations(first: 5) { edges { node { id } } } } }`, { id: customerId }));
  });

  it('an AGENT key reads the customer but not its segments, their rules or members', async () => {
    const { customer } = await data(t.url, keys.AGENT, { query: `query($id: ID!) { customer(id: $id) { id displayName } }`, variables: { id: customerId } });
    expect(customer.displayName).toBe(SECRET_EMAIL);
    expectRefused(
      await gql(keys.AGENT, `query($id: ID!) { customer(id: $id) { segments { name rule size members(first: 3) { edges { node { id } } } } } }`, {
        id: customerId,
      }),
      'Segment.',
    );
    const { customer: asMarketer } = await data(t.url, keys.MARKETER, {
      query: `query($id: ID!) { customer(id: $id) { segments { name } } }`,
      variables: { id: customerId },
    });
    expect(asMarketer.segments).toEqual([{ name: 'VIP list' }]);
  });

  it('node(id) finds only types the role may read, by the same rules', async () => {
    const { apiKeys } = await data(t.url, t.adminKey, { query: `{ apiKeys { id } }` });
    const query = `query($id: ID!) { node(id: $id) { id ... on ApiKey { name role prefix } ... on Customer { identities { value } } } }`;
    expect((await data(t.url, keys.ANALYST, { query, variables: { id: apiKeys[0].id } })).node).toBeNull();
    expect((await data(t.url, t.adminKey, { query, variables: { id: apiKeys[0].id } })).node.role).toBe('ADMIN');
    expect((await data(t.url, keys.INGEST, { query, variables: { id: customerId } })).node).toBeNull();
    expect((await data(t.url, keys.AGENT, { query, variables: { id: customerId } })).node.identities).toEqual([{ value: SECRET_EMAIL }]);
  });
});

describe('default deny', () => {
  it('refuses to build a schema with an object type that has no access rule, or a rule for a field not there', () => {
    expect(() => enforceTypeAccess(buildSchema(`type Query { secret: Vault } type Vault { combination: String }`))).toThrow(/without an access rule.*Vault/);
  });
});

describe('masking for ANALYST keys, wherever personal data appears', () => {
  const NAME = 'Ouyang Secretname';
  const PHONE = '+8613912345678';
  let id: string;

  beforeAll(async () => {
    const event = (messageId: string, identifiers: { type: string; value: string }[], traits?: Record<string, unknown>) => ({
      messageId,
      kind: 'IDENTIFY',
      identifiers,
      traits,
    });
    const ingest = (events: unknown[]) =>
      data(t.url, t.adminKey, { query: `mutation($e: [IngestEventInput!]!) { ingest(events: $e) { accepted } }`, variables: { e: events } });
    await ingest([event('mask-1', [{ type: 'EMAIL', value: 'ouyang@example.com' }], { name: NAME, city: 'Hangzhou', note: `call ${PHONE} after 6pm` })]);
    await ingest([event('mask-2', [{ type: 'PHONE', value: PHONE }])]);
    // one item naming both: the two customers merge, for a reason that holds both values
    await ingest([
      event('mask-3', [
        { type: 'EMAIL', value: 'ouyang@example.com' },
        { type: 'PHONE', value: PHONE },
      ]),
    ]);
    id = (await data(t.url, t.adminKey, { query: `query { customerByIdentity(type: EMAIL, value: "ouyang@example.com") { id } }` })).customerByIdentity.id;
    await data(t.url, t.adminKey, {
      query: `mutation($input: SubmitSurveyInput!) { submitSurvey(input: $input) { id } }`,
      variables: { input: { customerId: id, kind: 'CSAT', score: 4, comment: 'write to me at ouyang@example.com' } },
    });
  });

  const profile = `query($id: ID!) { customer(id: $id) { displayName traits identities { type value } merges { reason } surveyResponses(first: 5) { edges { node { comment } } } } }`;

  it('masks identity values, the display name, personal traits, merge reasons and free text', async () => {
    const { customer } = await data(t.url, keys.ANALYST, { query: profile, variables: { id } });
    expect(customer.displayName).toBe('O***');
    expect(customer.traits).toEqual({ name: 'O***', city: 'Hangzhou', note: 'call **********5678 after 6pm' });
    expect(customer.identities.map((identity: { value: string }) => identity.value).sort()).toEqual(['**********5678', 'o***@example.com']);
    expect(customer.merges[0].reason).not.toMatch(/ouyang@|13912345678/);
    expect(customer.surveyResponses.edges[0].node.comment).toBe('write to me at o***@example.com');
    expect(JSON.stringify(customer)).not.toMatch(/Secretname|ouyang@|13912345678/);

    const plain = (await data(t.url, t.adminKey, { query: profile, variables: { id } })).customer;
    expect(plain.displayName).toBe(NAME);
    expect(plain.traits.note).toBe(`call ${PHONE} after 6pm`);
    expect(plain.merges[0].reason).toMatch(/ouyang@example\.com/);
  });

  it('masks a rendered template, and traits the workspace names personal', async () => {
    const { createReplyTemplate } = await data(t.url, t.adminKey, {
      query: `mutation($input: ReplyTemplateInput!) { createReplyTemplate(input: $input) { id } }`,
      variables: { input: { name: 'hello', channel: 'SMS', scene: 'ENQUIRY', body: '您好 {{customer.displayName}}, {{traits.city}}' } },
    });
    const render = `query($t: ID!, $c: ID!) { renderTemplate(templateId: $t, customerId: $c) { text fits } }`;
    const rendered = (await data(t.url, keys.ANALYST, { query: render, variables: { t: createReplyTemplate.id, c: id } })).renderTemplate;
    expect(rendered.text).toMatch(/^\[masked: \d+ characters\]$/);
    expect((await data(t.url, t.adminKey, { query: render, variables: { t: createReplyTemplate.id, c: id } })).renderTemplate.text).toBe(
      `您好 ${NAME}, Hangzhou`,
    );

    await data(t.url, t.adminKey, { query: `mutation { updateWorkspaceSettings(input: { personalTraitKeys: ["name", "City"] }) { id } }` });
    const { customer } = await data(t.url, keys.ANALYST, { query: `query($id: ID!) { customer(id: $id) { traits } }`, variables: { id } });
    expect(customer.traits).toMatchObject({ name: 'O***', city: 'H***' });
  });
});

describe('display names', () => {
  it('never shows an identifier that was refused because it belongs to another customer', async () => {
    // phones first, one per customer: an e-mail that would join a second phone to its owner is refused
    await data(t.url, t.adminKey, {
      query: `mutation { p: setIdentityRule(input: { type: PHONE, maxPerCustomer: 1, priority: 0 }) { type } e: setIdentityRule(input: { type: EMAIL, priority: 50 }) { type } }`,
    });
    const ingest = (events: unknown[]) =>
      data(t.url, t.adminKey, {
        query: `mutation($e: [IngestEventInput!]!) { ingest(events: $e) { customersCreated unlinked { type reason } } }`,
        variables: { e: events },
      });
    await ingest([
      {
        messageId: 'owner-1',
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'owner@example.com' },
          { type: 'PHONE', value: '+8613800000001' },
        ],
      },
    ]);
    const second = await ingest([
      {
        messageId: 'other-1',
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'PHONE', value: '+8613800000002' },
          { type: 'EMAIL', value: 'owner@example.com' },
        ],
      },
    ]);
    expect(second.ingest).toMatchObject({ customersCreated: 1, unlinked: [{ type: 'EMAIL' }] });
    const { customerByIdentity } = await data(t.url, t.adminKey, {
      query: `query { customerByIdentity(type: PHONE, value: "+8613800000002") { displayName } }`,
    });
    expect(customerByIdentity.displayName).toBe('+8613800000002');
  });
});

describe('search by a role that sees values masked', () => {
  it('matches whole values only, so a masked value cannot be read out a prefix at a time', async () => {
    const count = async (key: string, search: string) =>
      (await data(t.url, key, { query: `query($s: String!) { customers(filter: { search: $s }) { totalCount } }`, variables: { s: search } })).customers
        .totalCount;
    expect(await count(t.adminKey, 'hidden.person')).toBe(1);
    expect(await count(keys.ANALYST, 'hidden.person')).toBe(0);
    expect(await count(keys.ANALYST, 'h')).toBe(0);
    expect(await count(keys.ANALYST, SECRET_EMAIL.toUpperCase())).toBe(1);
  });
});

describe('the roles a workspace masks', () => {
  it('apply at once to HTTP requests, close the sockets whose masking changed, and never include ADMIN', async () => {
    const emails = async (key: string) =>
      (
        await data(t.url, key, { query: `query($id: ID!) { customer(id: $id) { identities { value } } }`, variables: { id: customerId } })
      ).customer.identities.map((identity: { value: string }) => identity.value);
    const setMasked = (roles: string[]) =>
      post(t.url, t.adminKey, {
        query: `mutation($r: [Role!]) { updateWorkspaceSettings(input: { maskedRoles: $r }) { settings { maskedRoles } } }`,
        variables: { r: roles },
      });
    expect(await emails(keys.AGENT)).toEqual([SECRET_EMAIL]);
    const analystSocket = wsClient(t.wsUrl, keys.ANALYST);
    const agentSocket = wsClient(t.wsUrl, keys.AGENT);
    await Promise.all([analystSocket, agentSocket].map((client) => new Promise<void>((resolve) => client.on('connected', () => resolve()))));
    let analystClosed = false;
    analystSocket.on('closed', () => (analystClosed = true));
    const agentClosed = new Promise<number>((resolve) => agentSocket.on('closed', (event) => resolve((event as { code: number }).code)));

    expect((await setMasked(['ANALYST', 'AGENT'])).body.data.updateWorkspaceSettings.settings.maskedRoles).toEqual(['ANALYST', 'AGENT']);
    expect(await emails(keys.AGENT)).toEqual(['h***@example.com']);
    expect(await agentClosed).toBe(1012); // to reconnect under the new masking
    expect(analystClosed).toBe(false); // still masked, as it was
    expect(codes(await setMasked(['ADMIN']))).toEqual(['BAD_USER_INPUT']);
    await setMasked([]);
    expect(await emails(keys.ANALYST)).toEqual([SECRET_EMAIL]);
    await setMasked(['ANALYST']);
    expect(await emails(keys.ANALYST)).toEqual(['h***@example.com']);
    await Promise.all([analystSocket.dispose(), agentSocket.dispose()]);
  });
});
