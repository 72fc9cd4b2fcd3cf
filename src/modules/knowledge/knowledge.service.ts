import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import type { Viewer } from '../../graphql/auth';
import { recordAudit } from '../workspace/audit.service';
import { KnowledgeArticle } from './knowledge-article.entity';
import { STEMMED, wordsOf } from './search-terms.rules';
import type { KnowledgeArticleInput } from './knowledge.input';
import { KnowledgeErrors } from './knowledge.errors';

export interface Match {
  article: KnowledgeArticle;
  score: number;
}

function validate(input: KnowledgeArticleInput): void {
  const fail = (field: string, message: string) => {
    throw KnowledgeErrors.invalid(field, message);
  };
  if (!input.title.trim() || input.title.length > 300) fail('title', 'must be 1 to 300 characters');
  if (!input.body.trim() || input.body.length > 20_000) fail('body', 'must be 1 to 20,000 characters');
  if ((input.tags ?? []).some((tag) => !tag.trim() || tag.length > 50)) fail('tags', 'must each be 1 to 50 characters');
  if ((input.tags ?? []).length > 30) fail('tags', 'must be at most 30');
  if (input.language && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(input.language))
    fail('language', `is not a language tag such as zh-CN or en: ${input.language}`);
}

/** Writes the article's fields and its search terms in one statement. */
async function write(tx: EntityManager, id: string, workspaceId: string, input: KnowledgeArticleInput, now: Date, create: boolean): Promise<void> {
  const tags = [...new Set((input.tags ?? []).map((tag) => tag.trim()))];
  const heading = wordsOf([input.title, ...tags].join(' '));
  const all = [...new Set([...heading, ...wordsOf(input.body)])];
  const values = [input.title.trim(), input.body, tags, input.language ?? null, input.autoReply ?? false, all, heading, now];
  if (create) {
    await sql(
      tx,
      `insert into knowledge_article (id, workspace_id, title, body, tags, language, auto_reply, terms, title_terms, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ${STEMMED}, ${STEMMED}, ?, ?)`,
      [id, workspaceId, ...values, now],
    );
    return;
  }
  const [updated] = await sql(
    tx,
    `update knowledge_article set title = ?, body = ?, tags = ?, language = ?, auto_reply = ?, terms = ${STEMMED}, title_terms = ${STEMMED}, updated_at = ?
     where workspace_id = ? and id = ? returning id`,
    [...values, workspaceId, id],
  );
  if (!updated) throw KnowledgeErrors.notFound(id);
}

export async function saveArticle(em: EntityManager, viewer: Viewer, id: string | null, input: KnowledgeArticleInput, now: Date): Promise<string> {
  validate(input);
  if (id !== null && !isUuid(id)) throw KnowledgeErrors.notFound(id);
  const articleId = id ?? new KnowledgeArticle().id;
  await em.fork().transactional(async (tx) => {
    await write(tx, articleId, viewer.workspaceId, input, now, id === null);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: id ? 'knowledge.updated' : 'knowledge.created',
      subjectType: 'KnowledgeArticle',
      subjectId: articleId,
      details: { title: input.title },
    });
  });
  return articleId;
}

export async function deleteArticle(em: EntityManager, viewer: Viewer, id: string): Promise<void> {
  if (!isUuid(id)) throw KnowledgeErrors.notFound(id);
  await em.fork().transactional(async (tx) => {
    const [deleted] = await sql<{ title: string }>(tx, `delete from knowledge_article where workspace_id = ? and id = ? returning title`, [
      viewer.workspaceId,
      id,
    ]);
    if (!deleted) throw KnowledgeErrors.notFound(id);
    recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'knowledge.deleted',
      subjectType: 'KnowledgeArticle',
      subjectId: id,
      details: { title: deleted.title },
    });
  });
}

/**
 * Articles ranked by how much of the text's information they cover: each stem of the text weighs
 * its inverse document frequency (rare words say more), a stem in the title or tags counts fully
 * and one only in the body 0.6, and the score is the covered weight over the text's whole weight,
 * so 1 means every word of the question is in the title. One statement.
 */
export async function searchArticles(em: EntityManager, workspaceId: string, text: string, first: number, onlyAutoReply = false): Promise<Match[]> {
  const words = wordsOf(text);
  if (!words.length) return [];
  const rows = await sql<Record<string, unknown> & { score: number }>(
    em,
    `with q as (select unnest(${STEMMED}) as t),
     n as (select count(*)::float8 as n from knowledge_article where workspace_id = ?),
     w as (select q.t, ln(1 + (n.n + 1) / ((select count(*) from knowledge_article a where a.workspace_id = ? and a.terms @> array[q.t]) + 0.5)) as idf from q, n),
     total as (select sum(idf) as s from w)
     select a.*, (select sum(w.idf * case when w.t = any(a.title_terms) then 1 else 0.6 end) from w where w.t = any(a.terms)) / total.s as score
     from knowledge_article a, total
     where a.workspace_id = ? and a.terms && array(select t from q) ${onlyAutoReply ? 'and a.auto_reply' : ''}
     order by score desc, a.updated_at desc limit ?`,
    [words, workspaceId, workspaceId, workspaceId, first],
  );
  return rows.map(({ score, ...row }) => ({ article: em.map(KnowledgeArticle, row), score: Math.round(Number(score) * 1000) / 1000 }));
}
