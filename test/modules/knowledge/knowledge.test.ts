import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { ARTICLES, QUESTIONS } from '../../support/knowledge-fixture';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('knowledge.graphql');
let t: TestServer;
const ids = new Map<string, string>();
const names = new Map<string, string>();

beforeAll(async () => {
  t = await startTestServer();
  for (const [name, article] of Object.entries(ARTICLES)) {
    const { createKnowledgeArticle } = await data(t.url, t.adminKey, op.CreateKnowledgeArticle({ input: article }));
    ids.set(name, createKnowledgeArticle.id);
    names.set(createKnowledgeArticle.id, name);
  }
});
afterAll(() => t.stop());

const search = async (text: string, key = t.adminKey, first?: number) =>
  (await data(t.url, key, op.SearchKnowledge({ text, first }))).searchKnowledge as { score: number; article: { id: string } }[];

describe('knowledge search', () => {
  it.each(QUESTIONS)('answers %p with %p first', async (question, expected) => {
    const matches = await search(question);
    expect(names.get(matches[0]?.article.id)).toBe(expected);
    for (const match of matches) expect(match.score).toBeGreaterThan(0);
    for (const match of matches) expect(match.score).toBeLessThanOrEqual(1);
    expect(matches.map((m) => m.score)).toEqual([...matches.map((m) => m.score)].sort((a, b) => b - a));
  });

  it('scores a question the title answers word for word at 1, and an unrelated one with nothing', async () => {
    expect((await search('When will my order ship?'))[0].score).toBe(1);
    expect(await search('今天天气怎么样')).toEqual([]);
    expect(await search('the of and')).toEqual([]);
  });

  it('re-indexes an updated article and forgets a deleted one', async () => {
    const { createKnowledgeArticle: article } = await data(
      t.url,
      t.adminKey,
      op.CreateKnowledgeArticle({ input: { title: '门店营业时间', body: '门店每天10点至22点营业。', autoReply: true } }),
    );
    expect(article).toMatchObject({ autoReply: true, tags: [], language: null });
    expect((await search('门店几点开门'))[0].article.id).toBe(article.id);
    await data(
      t.url,
      t.adminKey,
      op.UpdateKnowledgeArticle({ id: article.id, input: { title: 'Store opening hours', body: 'Stores open from 10:00 to 22:00 every day.' } }),
    );
    expect(await search('门店几点开门')).toEqual([]);
    expect((await search('store opening hours'))[0].article.id).toBe(article.id);
    expect((await data(t.url, t.adminKey, op.DeleteKnowledgeArticle({ id: article.id }))).deleteKnowledgeArticle).toBe(true);
    expect((await search('store opening hours')).map((match) => match.article.id)).not.toContain(article.id);
    expect(codes(await post(t.url, t.adminKey, op.DeleteKnowledgeArticle({ id: article.id })))).toEqual(['NOT_FOUND']);
  });

  it('refuses bad articles and keeps each workspace to its own', async () => {
    expect(codes(await post(t.url, t.adminKey, op.CreateKnowledgeArticle({ input: { title: ' ', body: 'x' } })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.CreateKnowledgeArticle({ input: { title: 'x', body: 'y', language: 'Chinese!' } })))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.CreateKnowledgeArticle({ input: { title: 'x', body: 'y' } })))).toEqual(['FORBIDDEN']);
    expect(await search('我的订单什么时候发货', await t.addKey(Role.ANALYST))).not.toEqual([]);
    const other = await t.addWorkspace('Other knowledge');
    expect(await search('我的订单什么时候发货', other.adminKey)).toEqual([]);
    expect(codes(await post(t.url, other.adminKey, op.UpdateKnowledgeArticle({ id: ids.get('ship-zh'), input: { title: 'x', body: 'y' } })))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await post(t.url, other.adminKey, op.DeleteKnowledgeArticle({ id: ids.get('ship-zh') })))).toEqual(['NOT_FOUND']);
  });
});
