import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { sqlStatements } from '../../support/sql-count';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('customer.graphql'), ...operations('merge.graphql') };
let t: TestServer;
let smsQueue: string;
let chatQueue: string;
let smsAgent: string;
let chatAgent: string;

const open = async (input: Record<string, unknown>, key = t.adminKey) => (await data(t.url, key, op.OpenConversation({ input }))).openConversation;
const say = async (conversationId: string, body: string, extra: Record<string, unknown> = {}) =>
  (await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId, body, direction: 'INBOUND', author: 'CUSTOMER', ...extra } }))).postMessage;

beforeAll(async () => {
  t = await startTestServer();
  smsQueue = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'SMS', channels: ['SMS', 'PHONE'] } }))).createQueue.id;
  chatQueue = (await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'Web chat', channels: ['WEB_CHAT', 'APP'] } }))).createQueue.id;
  smsAgent = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: 'Li Na', skills: [], maxConcurrent: 5, queueIds: [smsQueue] } }))).createAgent.id;
  chatAgent = (await data(t.url, t.adminKey, op.CreateAgent({ input: { name: 'Zhang Wei', skills: [], maxConcurrent: 5, queueIds: [chatQueue] } }))).createAgent
    .id;
  for (const agentId of [smsAgent, chatAgent]) await data(t.url, t.adminKey, op.SetAgentStatus({ agentId, status: 'ONLINE' }));
});
afterAll(() => t.stop());

describe('conversations', () => {
  it('resolves the customer by identifiers exactly as ingestion does: creates, then finds, then merges', async () => {
    const first = await open({ identifiers: [{ type: 'PHONE', value: '138 0013 8000' }], channel: 'SMS', body: 'Where is my order?' });
    expect(first).toMatchObject({ channel: 'SMS', channelsUsed: ['SMS'], status: 'ASSIGNED', queue: { id: smsQueue }, assignee: { id: smsAgent } });
    const byPhone = (await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'PHONE', value: '+8613800138000' }))).customerByIdentity;
    expect(byPhone.id).toBe(first.customer.id);

    const emailOnly = await open({ identifiers: [{ type: 'EMAIL', value: 'Merge.Me@Example.com' }], channel: 'WEB_CHAT', body: 'hello' });
    expect(emailOnly.customer.id).not.toBe(first.customer.id);
    const both = await open({
      identifiers: [
        { type: 'EMAIL', value: 'merge.me@example.com' },
        { type: 'PHONE', value: '+8613800138000' },
      ],
      channel: 'APP',
      body: 'me again',
    });
    expect(both.customer.id).toBe(first.customer.id);

    const { customer } = await data(t.url, t.adminKey, op.CustomerConversations({ id: emailOnly.customer.id }));
    expect(customer.id).toBe(first.customer.id);
    expect(customer.conversations.totalCount).toBe(3);
    expect(customer.conversations.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([both.id, emailOnly.id, first.id]);
    const events = (await data(t.url, t.adminKey, op.CustomerEvents({ id: first.customer.id, type: 'conversation_opened' }))).customer.events.edges;
    expect(events).toHaveLength(3);
  });

  it('opens for a customer by id, refuses both or neither, unknown or foreign ids and bad identifiers', async () => {
    const made = await open({ identifiers: [{ type: 'MEMBER_ID', value: 'M-1' }], channel: 'PHONE', body: 'hi' });
    const again = await open({ customerId: made.customer.id, channel: 'PHONE', body: 'second call', priority: 'URGENT' });
    expect(again).toMatchObject({ customer: { id: made.customer.id }, priority: 'URGENT' });
    const refuse = async (input: Record<string, unknown>) =>
      codes(await post(t.url, t.adminKey, op.OpenConversation({ input: { channel: 'SMS', body: 'x', ...input } })));
    expect(await refuse({})).toEqual(['BAD_USER_INPUT']);
    expect(await refuse({ customerId: made.customer.id, identifiers: [{ type: 'MEMBER_ID', value: 'M-1' }] })).toEqual(['BAD_USER_INPUT']);
    expect(await refuse({ customerId: '00000000-0000-7000-8000-000000000000' })).toEqual(['NOT_FOUND']);
    expect(await refuse({ customerId: 'nope' })).toEqual(['NOT_FOUND']);
    expect(await refuse({ customerId: made.customer.id, body: '   ' })).toEqual(['BAD_USER_INPUT']);
    expect(await refuse({ customerId: made.customer.id, queueId: '00000000-0000-7000-8000-000000000000' })).toEqual(['NOT_FOUND']);
    expect(await refuse({ identifiers: [{ type: 'EMAIL', value: 'not an email' }] })).toEqual(['BAD_USER_INPUT']);
    // one transaction: a refused open leaves no customer behind
    expect(await refuse({ identifiers: [{ type: 'MEMBER_ID', value: 'NEVER-KEPT' }], queueId: '00000000-0000-7000-8000-000000000000' })).toEqual(['NOT_FOUND']);
    expect((await data(t.url, t.adminKey, op.CustomerByIdentity({ type: 'MEMBER_ID', value: 'NEVER-KEPT' }))).customerByIdentity).toBeNull();
    const other = await t.addWorkspace('Other');
    const otherCustomer = (
      await data(t.url, other.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'MEMBER_ID', value: 'X' }], channel: 'SMS', body: 'x' } }))
    ).openConversation.customer.id;
    expect(await refuse({ customerId: otherCustomer })).toEqual(['NOT_FOUND']);
  });

  it('hands an SMS conversation over to web chat with its whole history, and the customer timeline spans channels', async () => {
    const sms = await open({ identifiers: [{ type: 'PHONE', value: '+8613900000001' }], channel: 'SMS', body: 'My parcel is late', subject: 'Late parcel' });
    expect(sms.assignee.id).toBe(smsAgent);
    await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: sms.id, body: 'Let me check', direction: 'OUTBOUND', author: 'AGENT' } }));
    await say(sms.id, 'Can we continue on the web chat?');
    const moved = (await data(t.url, t.adminKey, op.TransferConversation({ input: { conversationId: sms.id, toChannel: 'WEB_CHAT', note: 'customer asked' } })))
      .transferConversation;
    expect(moved).toMatchObject({
      channel: 'WEB_CHAT',
      channelsUsed: ['SMS', 'WEB_CHAT'],
      queue: { id: chatQueue },
      assignee: { id: chatAgent },
      status: 'ASSIGNED',
    });
    expect(moved.transfers).toEqual([
      expect.objectContaining({
        fromQueueId: smsQueue,
        toQueueId: chatQueue,
        fromAgentId: smsAgent,
        toAgentId: null,
        fromChannel: 'SMS',
        toChannel: 'WEB_CHAT',
        note: 'customer asked',
      }),
    ]);
    await say(sms.id, 'I am on the web chat now', { channel: 'WEB_CHAT' });

    const seen = (await data(t.url, t.adminKey, op.Conversation({ id: sms.id }))).conversation.messages.edges.map(
      (e: { node: { body: string; channel: string } }) => `${e.node.channel}:${e.node.body}`,
    );
    expect(seen).toEqual(['SMS:My parcel is late', 'SMS:Let me check', 'SMS:Can we continue on the web chat?', 'WEB_CHAT:I am on the web chat now']);
    const agents = (await data(t.url, t.adminKey, op.Agents())).agents;
    expect(agents.find((a: { id: string }) => a.id === smsAgent).activeConversations).toBe(
      (await data(t.url, t.adminKey, op.Conversations({ assigneeId: smsAgent, status: 'ASSIGNED' }))).conversations.totalCount,
    );

    const app = await open({ customerId: sms.customer.id, channel: 'APP', body: 'one more thing' });
    const page1 = (await data(t.url, t.adminKey, op.CustomerTimeline({ id: sms.customer.id, first: 3 }))).customer.timeline;
    expect(page1.edges.map((e: { node: { body: string } }) => e.node.body)).toEqual([
      'one more thing',
      'I am on the web chat now',
      'Can we continue on the web chat?',
    ]);
    expect(page1.edges[0].node.conversationId).toBe(app.id);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await data(t.url, t.adminKey, op.CustomerTimeline({ id: sms.customer.id, first: 3, after: page1.pageInfo.endCursor }))).customer.timeline;
    expect(page2.edges.map((e: { node: { body: string } }) => e.node.body)).toEqual(['Let me check', 'My parcel is late']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const onSms = (await data(t.url, t.adminKey, op.CustomerTimeline({ id: sms.customer.id, channel: 'SMS' }))).customer.timeline.edges;
    expect(onSms).toHaveLength(3);
    expect(codes(await post(t.url, t.adminKey, op.CustomerTimeline({ id: sms.customer.id, after: 'garbage' })))).toEqual(['BAD_USER_INPUT']);
  });

  it('enforces the status machine: resolve, no messages until reopened, reopen only from RESOLVED, close for good', async () => {
    const c = await open({ identifiers: [{ type: 'EMAIL', value: 'steps@example.com' }], channel: 'WEB_CHAT', body: 'help' });
    expect(codes(await post(t.url, t.adminKey, op.ReopenConversation({ conversationId: c.id })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.CloseConversation({ conversationId: c.id })))).toEqual(['BAD_USER_INPUT']);
    const reply = (await data(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'On it', direction: 'OUTBOUND', author: 'AGENT' } })))
      .postMessage;
    expect(reply.agent.id).toBe(chatAgent);
    expect((await data(t.url, t.adminKey, op.Conversation({ id: c.id }))).conversation.status).toBe('WAITING_ON_CUSTOMER');
    await say(c.id, 'thanks');
    expect((await data(t.url, t.adminKey, op.Conversation({ id: c.id }))).conversation.status).toBe('ASSIGNED');
    const resolved = (await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id, note: 'answered' }))).resolveConversation;
    expect(resolved).toMatchObject({ status: 'RESOLVED', resolutionNote: 'answered' });
    expect(codes(await post(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id })))).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(await post(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'x', direction: 'INBOUND', author: 'CUSTOMER' } }))),
    ).toEqual(['BAD_USER_INPUT']);
    const reopened = (await data(t.url, t.adminKey, op.ReopenConversation({ conversationId: c.id }))).reopenConversation;
    expect(reopened).toMatchObject({ status: 'ASSIGNED', resolvedAt: null, assignee: { id: chatAgent } });
    await data(t.url, t.adminKey, op.ResolveConversation({ conversationId: c.id }));
    expect((await data(t.url, t.adminKey, op.CloseConversation({ conversationId: c.id }))).closeConversation.status).toBe('CLOSED');
    const closedPost = await post(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'x', direction: 'INBOUND', author: 'CUSTOMER' } }));
    expect(codes(closedPost)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(closedPost.body)).not.toMatch(/at .*\.ts/);
    expect(codes(await post(t.url, t.adminKey, op.ReopenConversation({ conversationId: c.id })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.PostMessage({ input: { conversationId: c.id, body: 'x', direction: 'INBOUND', author: 'AGENT' } })))).toEqual(
      ['BAD_USER_INPUT'],
    );
    expect(codes(await post(t.url, t.adminKey, op.ResolveConversation({ conversationId: '00000000-0000-7000-8000-000000000000' })))).toEqual(['NOT_FOUND']);
  });

  it('lets each role do only its part, masks bodies for ANALYST, and keeps workspaces apart', async () => {
    const c = await open({ identifiers: [{ type: 'EMAIL', value: 'roles@example.com' }], channel: 'WEB_CHAT', body: 'secret body' });
    const ingest = await t.addKey(Role.INGEST);
    const marketer = await t.addKey(Role.MARKETER);
    const analyst = await t.addKey(Role.ANALYST);
    const fromWidget = { identifiers: [{ type: 'EMAIL', value: 'roles@example.com' }], channel: 'WEB_CHAT', body: 'from the widget' };
    expect((await data(t.url, ingest, op.OpenConversationFromWidget({ input: fromWidget }))).openConversation).toMatchObject({
      channel: 'WEB_CHAT',
      customer: { id: c.customer.id },
    });
    expect(
      (await data(t.url, ingest, op.PostMessageFromWidget({ input: { conversationId: c.id, body: 'inbound ok', direction: 'INBOUND', author: 'CUSTOMER' } })))
        .postMessage.body,
    ).toBe('inbound ok');
    // what it did not write (the customer's name and tier, the queue, the agent) an INGEST key may not read back
    const card = await post(t.url, ingest, op.OpenConversation({ input: fromWidget }));
    expect(new Set(codes(card))).toEqual(new Set(['FORBIDDEN']));
    expect(card.body.data).toBeNull();
    const nameOnly = await post(t.url, ingest, {
      query: 'mutation($input: OpenConversationInput!) { openConversation(input: $input) { id customer { id displayName } } }',
      variables: { input: fromWidget },
    });
    expect(nameOnly.body.errors!.map((error) => [error.extensions!.code, error.path!.join('.')])).toEqual([
      ['FORBIDDEN', 'openConversation.customer.displayName'],
    ]);
    expect(JSON.stringify(nameOnly.body)).not.toContain('roles@example.com');
    expect(codes(await post(t.url, ingest, op.PostMessage({ input: { conversationId: c.id, body: 'no', direction: 'OUTBOUND', author: 'AGENT' } })))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await post(t.url, ingest, op.ResolveConversation({ conversationId: c.id })))).toEqual(['FORBIDDEN']);
    expect(codes(await post(t.url, marketer, op.Conversation({ id: c.id })))).toEqual(['FORBIDDEN']);
    expect(codes(await post(t.url, marketer, op.CustomerTimeline({ id: c.customer.id })))).toEqual(['FORBIDDEN']);
    expect(codes(await post(t.url, analyst, op.ResolveConversation({ conversationId: c.id })))).toEqual(['FORBIDDEN']);
    const masked = (await data(t.url, analyst, op.Conversation({ id: c.id }))).conversation.messages.edges[0].node.body;
    expect(masked).not.toContain('secret');

    const other = await t.addWorkspace('Elsewhere');
    expect((await data(t.url, other.adminKey, op.Conversation({ id: c.id }))).conversation).toBeNull();
    expect((await data(t.url, other.adminKey, op.ConversationNode({ id: c.id }))).node).toBeNull();
    expect((await data(t.url, t.adminKey, op.ConversationNode({ id: c.id }))).node).toMatchObject({ __typename: 'Conversation' });
    expect((await data(t.url, other.adminKey, op.Conversations({}))).conversations.totalCount).toBe(0);
    for (const operation of [
      op.ResolveConversation({ conversationId: c.id }),
      op.PostMessage({ input: { conversationId: c.id, body: 'x', direction: 'INBOUND', author: 'CUSTOMER' } }),
      op.AssignConversation({ conversationId: c.id, agentId: chatAgent }),
    ]) {
      expect(codes(await post(t.url, other.adminKey, operation))).toEqual(['NOT_FOUND']);
    }
    expect(codes(await post(t.url, t.adminKey, op.AssignConversation({ conversationId: c.id, agentId: 'nope' })))).toEqual(['NOT_FOUND']);
  });

  it.each(['conversations', 'feedbackItems'])('counts %s for the total only when a query reads totalCount', async (list) => {
    const page = (fields: string) => ({ query: `{ ${list}(first: 5) { ${fields} edges { node { id } } } }` });
    const [bare, counted] = [await post(t.url, t.adminKey, page('')), await post(t.url, t.adminKey, page('totalCount'))];
    expect(counted.body.data[list].edges).toEqual(bare.body.data[list].edges);
    expect(counted.body.data[list].totalCount).toBeGreaterThanOrEqual(bare.body.data[list].edges.length);
    expect(sqlStatements(counted) - sqlStatements(bare)).toBe(1);
  });

  it('erases what a customer said with the customer, keeping the conversation for the queue', async () => {
    const c = await open({
      identifiers: [{ type: 'EMAIL', value: 'forget.me@example.com' }],
      channel: 'WEB_CHAT',
      body: 'my address is 1 Main St',
      subject: 'address',
    });
    await data(t.url, t.adminKey, op.EraseCustomer({ id: c.customer.id }));
    const after = (await data(t.url, t.adminKey, op.Conversation({ id: c.id }))).conversation;
    expect(after).toBeTruthy();
    expect(after.subject).toBeNull();
    expect(after.messages.edges).toEqual([]);
  });
});
