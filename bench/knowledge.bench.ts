import { forkForWorkspace } from '../src/context';
import { sql } from '../src/db/sql';
import { wordsOf } from '../src/modules/knowledge/search-terms.rules';
import { graphql, load, row, startBenchServer } from './support';
import { ARTICLES, QUESTIONS } from '../test/support/knowledge-fixture';

const ARTICLE_COUNT = Number(process.env.BENCH_ARTICLES ?? 10_000);

/** The help centre's own words: filler articles borrow a few, as real ones share some vocabulary. */
const SHARED = [...new Set(Object.values(ARTICLES).flatMap((article) => wordsOf(`${article.title} ${article.body}`)))];
const HAN =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
const LATIN = 'abcdefghijklmnopqrstuvwxyz';
const syntheticWord = (n: number) =>
  n % 2 ? HAN[n % HAN.length] + HAN[(n * 31 + 7) % HAN.length] : Array.from({ length: 5 + (n % 4) }, (_, k) => LATIN[(n * (k + 3) + k * 11) % 26]).join('');
/** Zipf-like: a few words are common, most are rare. */
const pick = (i: number, k: number) => Math.floor(20_000 * Math.pow(((i * 7919 + k * 104729) % 10_007) / 10_007, 3));

/**
 * searchKnowledge and an auto-reply decision (an inbound message on a queued conversation: the
 * bot searches the auto-reply articles and answers or not, in the message's transaction), each at
 * 20 concurrent requests for 10 s, over 10,000 articles in Chinese and English.
 */
async function main() {
  const bench = await startBenchServer();
  const em = forkForWorkspace(bench.orm, bench.workspaceId);
  const ws = bench.workspaceId;
  const started = Date.now();
  const filler = Array.from({ length: ARTICLE_COUNT - Object.keys(ARTICLES).length }, (_, i) => {
    const words = [...Array.from({ length: 40 }, (_, k) => syntheticWord(pick(i, k))), SHARED[(i * 13) % SHARED.length], SHARED[(i * 29 + 5) % SHARED.length]];
    return { title: `${words.slice(0, 4).join(' ')} ${i}`, body: words.join(' '), autoReply: i % 3 === 0 };
  });
  const all = [...Object.values(ARTICLES).map((article) => ({ title: article.title, body: article.body, autoReply: true })), ...filler];
  for (let i = 0; i < all.length; i += 500) {
    const chunk = all.slice(i, i + 500);
    await sql(
      em,
      `insert into knowledge_article (id, workspace_id, title, body, tags, auto_reply, terms, title_terms, created_at, updated_at)
       select gen_random_uuid(), ?, x.title, x.body, '{}', x.auto, array(select distinct s[1] from jsonb_array_elements_text(x.terms) w, ts_lexize('english_stem', w) s where s[1] is not null),
              array(select distinct s[1] from jsonb_array_elements_text(x.heading) w, ts_lexize('english_stem', w) s where s[1] is not null), now(), now()
       from jsonb_to_recordset(?::jsonb) x(title text, body text, auto boolean, terms jsonb, heading jsonb)`,
      [
        ws,
        JSON.stringify(
          chunk.map((a) => ({ title: a.title, body: a.body, auto: a.autoReply, terms: wordsOf(`${a.title} ${a.body}`), heading: wordsOf(a.title) })),
        ),
      ],
    );
  }
  await em.getConnection().execute(`analyze knowledge_article`);
  console.log(`\nseeded ${all.length} articles in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` };
  const post = (query: string, variables: Record<string, unknown>) => graphql(bench, query, variables);
  const search = `query($text: String!) { searchKnowledge(text: $text, first: 5) { score article { id title } } }`;
  const found = await Promise.all(QUESTIONS.map(async ([question]) => (await post(search, { text: question })).searchKnowledge[0]?.article.title));
  const right = QUESTIONS.filter(([, expected], i) => found[i] === ARTICLES[expected].title).length;
  console.log(`the ${QUESTIONS.length} test questions among ${all.length} articles: ${right} answered by their expected article first`);

  const searching = await load({
    url: bench.server.url,
    connections: 20,
    headers,
    bodies: QUESTIONS.map(([text]) => JSON.stringify({ query: search, variables: { text } })),
  });
  console.log('searchKnowledge, 20 connections, 10 s');
  console.log(row('searchKnowledge (top 5)', searching));

  // queued conversations to post customers' questions into (no agents, so they stay queued)
  const open = `mutation($input: OpenConversationInput!) { openConversation(input: $input) { id } }`;
  const conversations: string[] = [];
  for (let i = 0; i < 200; i++) {
    conversations.push(
      (await post(open, { input: { identifiers: [{ type: 'EMAIL', value: `kb${i}@bench.test` }], channel: 'WEB_CHAT', body: '你好' } })).openConversation.id,
    );
  }
  const message = `mutation($input: PostMessageInput!) { postMessage(input: $input) { id } }`;
  const bodies = conversations.map((conversationId, i) =>
    JSON.stringify({
      query: message,
      variables: { input: { conversationId, body: QUESTIONS[i % QUESTIONS.length][0], direction: 'INBOUND', author: 'CUSTOMER' } },
    }),
  );
  const replying = await load({ url: bench.server.url, connections: 20, headers, bodies });
  console.log('inbound message with the auto-reply decision, 20 connections, 10 s');
  console.log(row('postMessage + bot decision', replying));
  const [{ bot }] = await sql<{ bot: number }>(em, `select count(*)::int bot from message where workspace_id = ? and author = 'BOT'`, [ws]);
  console.log(`  bot answers written: ${bot}; non-2xx: ${searching.non2xx + replying.non2xx}, errors: ${searching.errors + replying.errors}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await bench.stop();
  if (searching.non2xx + replying.non2xx + searching.errors + replying.errors > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
