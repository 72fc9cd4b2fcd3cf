import { Role } from '../../../src/graphql/enums';
import { collect, data, post, wsClient, codes } from '../../support/client';
import { ARTICLES } from '../../support/knowledge-fixture';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('knowledge.graphql'), ...operations('conversation.graphql'), ...operations('queue.graphql') };
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
  for (const [name, article] of Object.entries(ARTICLES)) {
    await data(t.url, t.adminKey, op.CreateKnowledgeArticle({ input: { ...article, autoReply: name !== 'warranty-zh' } }));
  }
  await data(t.url, t.adminKey, op.CreateQueue({ input: { name: 'web', channels: ['WEB_CHAT', 'WECHAT'] } }));
});
afterAll(() => t.stop());

const open = async (body: string) =>
  (await data(t.url, t.adminKey, op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: `bot${++n}@b.test` }], channel: 'WEB_CHAT', body } })))
    .openConversation;
const say = (conversationId: string, body: string) =>
  data(t.url, t.adminKey, op.PostMessage({ input: { conversationId, body, direction: 'INBOUND', author: 'CUSTOMER' } }));
const thread = async (id: string) => (await data(t.url, t.adminKey, op.Conversation({ id, first: 50 }))).conversation;
const authors = (conversation: any) => conversation.messages.edges.map((e: any) => e.node.author);

describe('auto-replies', () => {
  it('answers a frequent question at once with the article, and leaves the conversation queued for a person', async () => {
    const conversation = await open('我的订单什么时候发货？');
    const after = await thread(conversation.id);
    expect(after.status).toBe('QUEUED');
    expect(authors(after)).toEqual(['CUSTOMER', 'BOT']);
    expect(after.messages.edges[1].node.body).toBe(ARTICLES['ship-zh'].body);
    expect(after.firstResponseAt).toBeNull();
  });

  it('publishes the bot answer on conversationUpdated', async () => {
    const conversation = await open('hello');
    expect(authors(await thread(conversation.id))).toEqual(['CUSTOMER']);
    const client = wsClient(t.wsUrl, await t.addKey(Role.AGENT));
    const updates = await t.subscribe('CONVERSATION_UPDATED', () => collect(client, op.ConversationUpdated({ conversationId: conversation.id })));
    try {
      await say(conversation.id, 'when will my order ship');
      await updates.waitFor(2);
      const bodies = updates.events.map((e) => e.data!.conversationUpdated.message?.body);
      expect(bodies).toContain(ARTICLES['ship-en'].body);
    } finally {
      updates.dispose();
      await client.dispose();
    }
  });

  it('stays silent below the threshold and for articles not marked for auto-reply', async () => {
    expect(authors(await thread((await open('我想咨询一下会员等级的问题')).id))).toEqual(['CUSTOMER']);
    expect(authors(await thread((await open('商品保修政策')).id))).toEqual(['CUSTOMER']); // warranty-zh is not an auto-reply
  });

  it('resolves the conversation when the customer confirms the answer solved it, and counts it as the bot’s', async () => {
    const conversation = await open('怎么申请退货退款');
    await say(conversation.id, '好的，解决了，谢谢');
    const after = await thread(conversation.id);
    expect(after.status).toBe('RESOLVED');
    const day = new Date();
    const range = { from: new Date(day.getTime() - 3_600_000).toISOString(), to: new Date(day.getTime() + 3_600_000).toISOString() };
    const [all] = (await data(t.url, t.adminKey, op.ServiceMetrics({ range, groupBy: 'NONE' }))).serviceMetrics;
    expect(all.botResolutionRate).toBe(1);
  });

  it('never answers again once the customer asks for a person', async () => {
    const conversation = await open('转人工');
    expect(authors(await thread(conversation.id))).toEqual(['CUSTOMER']);
    await say(conversation.id, '我的订单什么时候发货');
    await say(conversation.id, 'when will my order ship');
    expect(authors(await thread(conversation.id))).toEqual(['CUSTOMER', 'CUSTOMER', 'CUSTOMER']);

    const later = await open('支持哪些支付方式？');
    expect(authors(await thread(later.id))).toEqual(['CUSTOMER', 'BOT']);
    await say(later.id, 'I want to talk to a human');
    await say(later.id, 'can I pay with Alipay');
    expect(authors(await thread(later.id))).toEqual(['CUSTOMER', 'BOT', 'CUSTOMER', 'CUSTOMER']);
  });
});

describe('suggested answers', () => {
  it('suggests the articles that answer the latest inbound messages, auto-reply or not', async () => {
    const conversation = await open('转人工');
    await say(conversation.id, '手机坏了可以保修吗');
    const { suggestedAnswers } = await data(t.url, t.adminKey, op.SuggestedAnswers({ conversationId: conversation.id }));
    expect(suggestedAnswers[0].article.title).toBe(ARTICLES['warranty-zh'].title);
    expect(suggestedAnswers.length).toBeLessThanOrEqual(3);
    const other = await t.addWorkspace('Other suggestions');
    expect(codes(await post(t.url, other.adminKey, op.SuggestedAnswers({ conversationId: conversation.id })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.SuggestedAnswers({ conversationId: conversation.id })))).toEqual(['FORBIDDEN']);
  });
});
