import 'reflect-metadata';
import { Role } from '../../../src/graphql/enums';
import { sentimentOf, isEmpathetic } from '../../../src/modules/conversation/sentiment.rules';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings.types';
import { TestClock } from '../../support/clock';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('conversation.graphql'), ...operations('queue.graphql'), ...operations('feedback.graphql'), ...operations('segment.graphql') };

/** Messages labelled by hand, none of them used to build the lexicon: the sign must be right for at least 80%. */
const LABELLED: [string, 1 | -1][] = [
  ['快递三天了还没到，太让人着急了', -1],
  ['你们的客服根本不回消息，很失望', -1],
  ['收到的杯子是碎的，要求退货', -1],
  ['这是我买过最差的耳机', -1],
  ['说好的赠品没有给我，感觉被骗了', -1],
  ['系统一直报错，登录不了，烦死了', -1],
  ['价格太贵了而且质量不好', -1],
  ['商品质量很好，包装也很用心', 1],
  ['客服小姐姐很耐心，问题很快解决了', 1],
  ['物流很快，第二天就到了，非常满意', 1],
  ['谢谢你们的帮助，辛苦了', 1],
  ['东西不错，下次还会再来', 1],
  ['The package arrived broken and nobody answered my emails', -1],
  ['This is unacceptable, I want a refund now', -1],
  ['I am really disappointed with the service', -1],
  ['The app keeps crashing and it is so frustrating', -1],
  ['Your agent was rude to me', -1],
  ['Thanks a lot, the new one works great', 1],
  ['Very helpful support, the issue was fixed in minutes', 1],
  ['I love the colour, excellent quality', 1],
  ['Delivery was quick and the staff were friendly', 1],
  ['Not bad at all, I am happy with it', 1],
];

describe('sentiment, a lexicon method', () => {
  it('gets the sign right for at least 80% of a labelled set of Chinese and English messages', () => {
    const right = LABELLED.filter(([text, sign]) => Math.sign(sentimentOf(text)) === sign);
    expect(right.length / LABELLED.length).toBeGreaterThanOrEqual(0.8);
  });

  it('reads negation and intensity, in both languages, within -1..1', () => {
    expect(sentimentOf('满意')).toBeGreaterThan(0);
    expect(sentimentOf('不满意')).toBeLessThan(0);
    expect(sentimentOf('非常不满意')).toBeLessThan(sentimentOf('不满意'));
    expect(sentimentOf('not happy')).toBeLessThan(0);
    expect(sentimentOf('very happy')).toBeGreaterThan(sentimentOf('happy'));
    expect(sentimentOf('好的，明天见')).toBeGreaterThanOrEqual(0);
    expect(sentimentOf('')).toBe(0);
    for (const [text] of LABELLED) expect(Math.abs(sentimentOf(text))).toBeLessThan(1);
  });

  it("finds the workspace's empathetic phrases after normalising width and case", () => {
    const phrases = DEFAULT_SETTINGS.empathyPhrases;
    expect(isEmpathetic('非常理解您的心情，我马上为您处理', phrases)).toBe(true);
    expect(isEmpathetic('I UNDERSTAND HOW annoying that is', phrases)).toBe(true);
    expect(isEmpathetic('ｓｏｒｒｙ ｆｏｒ ｔｈｅ ｔｒｏｕｂｌｅ', phrases)).toBe(true); // full width
    expect(isEmpathetic('请提供订单号', phrases)).toBe(false);
  });
});

describe('sentiment and empathy on conversations', () => {
  const clock = new TestClock('2026-08-03T02:00:00Z');
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ clock });
  });
  afterAll(() => t.stop());

  const open = async (body: string, key = t.adminKey) =>
    (
      await data(
        t.url,
        key,
        op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: `tone-${Math.random()}@x.test` }], channel: 'WEB_CHAT', body } }),
      )
    ).openConversation;
  const say = (conversationId: string, body: string, author = 'CUSTOMER', agentId?: string) =>
    data(t.url, t.adminKey, op.PostMessage({ input: { conversationId, body, author, direction: author === 'CUSTOMER' ? 'INBOUND' : 'OUTBOUND', agentId } }));

  it('scores what customers write, raises a waiting conversation once for a strongly negative message, and keeps the mean', async () => {
    const conversation = await open('你好，想问一下订单');
    await say(conversation.id, '等了一个小时都没人理，太差了，我要投诉');
    await say(conversation.id, '真的非常失望，垃圾服务');
    const tone = (await data(t.url, t.adminKey, op.ConversationTone({ id: conversation.id }))).conversation;
    expect(tone.priority).toBe('HIGH');
    expect(tone.escalations).toEqual([{ reason: 'negative sentiment', automatic: true, fromPriority: 'NORMAL', toPriority: 'HIGH' }]);
    const scores = tone.messages.edges.map((e: any) => e.node.sentiment);
    expect(scores[0]).toBeGreaterThanOrEqual(0);
    expect(scores[1]).toBeLessThan(DEFAULT_SETTINGS.negativeSentimentThreshold);
    expect(scores[2]).toBeLessThan(DEFAULT_SETTINGS.negativeSentimentThreshold);
    expect(tone.sentiment).toBeCloseTo((scores[0] + scores[1] + scores[2]) / 3, 2);
    expect(tone.messages.edges.every((e: any) => e.node.empathetic === null)).toBe(true);
  });

  const customerOf = async (conversationId: string): Promise<string> =>
    (await t.sql(`select customer_id from conversation where id = ?`, [conversationId]))[0].customer_id;

  it("marks agents' empathetic replies; serviceMetrics counts them with CSAT, CES, negative sentiment and escalations, as computed by hand", async () => {
    const ws = await t.addWorkspace('Tone metrics');
    const agentId = (await data(t.url, ws.adminKey, op.CreateAgent({ input: { name: 'Li', skills: [], maxConcurrent: 5 } }))).createAgent.id;
    const as = (key: string) => ({
      open: async (body: string) =>
        (
          await data(
            t.url,
            key,
            op.OpenConversation({ input: { identifiers: [{ type: 'EMAIL', value: `m-${Math.random()}@x.test` }], channel: 'WEB_CHAT', body } }),
          )
        ).openConversation.id as string,
      say: (conversationId: string, body: string, author = 'CUSTOMER') =>
        data(
          t.url,
          key,
          op.PostMessage({
            input: {
              conversationId,
              body,
              author,
              direction: author === 'CUSTOMER' ? 'INBOUND' : 'OUTBOUND',
              agentId: author === 'AGENT' ? agentId : undefined,
            },
          }),
        ),
    });
    const { open: openIn, say: sayIn } = as(ws.adminKey);
    const first = await openIn('订单查询'); // neutral
    await data(t.url, ws.adminKey, op.AssignConversation({ conversationId: first, agentId }));
    await sayIn(first, '非常理解您的心情，马上帮您查', 'AGENT'); // empathetic
    await sayIn(first, '好的，谢谢'); // positive
    await sayIn(first, '请提供订单号', 'AGENT'); // not
    const second = await openIn('东西坏了，很生气'); // negative
    await data(t.url, ws.adminKey, op.EscalateConversation({ conversationId: second, reason: 'VIP' }));
    await data(t.url, ws.adminKey, op.AssignConversation({ conversationId: second, agentId }));
    await sayIn(second, 'Sorry for the trouble, a new one is on its way', 'AGENT'); // empathetic
    for (const [conversationId, kind, score] of [
      [first, 'CSAT', 5],
      [first, 'CES', 3],
      [second, 'CSAT', 4],
      [second, 'CSAT', 2],
      [second, 'CES', 5],
    ] as const)
      await data(t.url, ws.adminKey, op.SubmitSurvey({ input: { conversationId, customerId: await customerOf(conversationId), kind, score } }));

    const replies = (await data(t.url, ws.adminKey, op.ConversationTone({ id: first }))).conversation.messages.edges.map((e: any) => e.node);
    expect(replies.filter((m: any) => m.author === 'AGENT').map((m: any) => m.empathetic)).toEqual([true, false]);

    const range = { from: '2026-08-01T00:00:00Z', to: '2026-08-10T00:00:00Z' };
    const [all] = (await data(t.url, ws.adminKey, op.ServiceQuality({ range, groupBy: 'NONE' }))).serviceMetrics;
    expect(all).toEqual({
      key: 'ALL',
      conversations: 2,
      csatSatisfiedRate: 0.6667, // 5 and 4 of 5, 4, 2
      cesAverage: 4, // 3 and 5
      empatheticReplyRate: 0.6667, // 2 of 3 replies
      negativeSentimentRate: 0.3333, // 1 of 3 customer messages
      escalationRate: 0.5, // 1 of 2 conversations
    });
    expect(codes(await post(t.url, await t.addKey(Role.INGEST, ws.workspaceId), op.ServiceQuality({ range, groupBy: 'NONE' })))).toEqual(['FORBIDDEN']);
  });

  it('keeps no sentiment in a workspace that turned scoring off', async () => {
    const ws = await t.addWorkspace('No scoring');
    await data(t.url, ws.adminKey, { query: `mutation { updateWorkspaceSettings(input: { scoreSentiment: false }) { id } }` });
    const conversation = await open('太差了，非常失望', ws.adminKey);
    const tone = (await data(t.url, ws.adminKey, op.ConversationTone({ id: conversation.id }))).conversation;
    expect(tone).toMatchObject({ sentiment: null, priority: 'NORMAL', escalations: [] });
    expect(tone.messages.edges[0].node.sentiment).toBeNull();
  });

  it('segments select customers by recent negative sentiment', async () => {
    const angry = await open('太慢了，非常不满意');
    const calm = await open('谢谢，很好');
    const preview = (
      await data(t.url, t.adminKey, op.PreviewSegment({ rule: { sentiment: { below: -0.3, within: { days: 7 } } }, limit: 50 }))
    ).previewSegment.sample.map((c: { id: string }) => c.id);
    const [a, c] = await Promise.all(
      [angry, calm].map(async (conversation) => (await t.sql(`select customer_id from conversation where id = ?`, [conversation.id]))[0].customer_id),
    );
    expect(preview).toContain(a);
    expect(preview).not.toContain(c);
    expect(codes(await post(t.url, t.adminKey, op.PreviewSegment({ rule: { sentiment: { below: -2 } } })))).toEqual(['BAD_USER_INPUT']);
  });
});
