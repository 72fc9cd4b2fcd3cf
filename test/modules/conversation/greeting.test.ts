import { data } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('template.graphql'), ...operations('workspace.graphql') };
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const open = async (email: string, channel: string) =>
  (await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: email }], channel, body: 'hello?' } }))).openConversation
    .id;
const messagesOf = async (id: string) => {
  const { conversation } = await data(t.url, t.adminKey, op.Conversation({ id, first: 10 }));
  return { conversation, messages: conversation.messages.edges.map((e: { node: unknown }) => e.node) };
};

describe('autoGreeting', () => {
  it("greets an opening at once with the channel's ONBOARDING template, rendered, as the system, which is no person's first response", async () => {
    await data(t.url, t.adminKey, op.CreateReplyTemplate({ input: { name: 'Web hello', channel: 'WEB_CHAT', scene: 'ENQUIRY', body: 'How can we help?' } }));
    await data(
      t.url,
      t.adminKey,
      op.CreateReplyTemplate({ input: { name: 'Web welcome', channel: 'WEB_CHAT', scene: 'ONBOARDING', body: 'Welcome, {{customer.displayName|friend}}!' } }),
    );
    // off by default
    expect((await messagesOf(await open('before@greet.test', 'WEB_CHAT'))).messages).toHaveLength(1);

    await data(t.url, t.adminKey, op.UpdateWorkspaceSettings({ input: { autoGreeting: true } }));
    const { conversation, messages } = await messagesOf(await open('ada@greet.test', 'WEB_CHAT'));
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ direction: 'INBOUND', author: 'CUSTOMER', body: 'hello?' });
    expect(messages[1]).toMatchObject({ direction: 'OUTBOUND', author: 'SYSTEM', body: 'Welcome, ada@greet.test!' });
    expect(conversation.firstResponseAt).toBeNull();
    // a channel without a greeting template opens as before
    expect((await messagesOf(await open('sms@greet.test', 'SMS'))).messages).toHaveLength(1);
  });
});
