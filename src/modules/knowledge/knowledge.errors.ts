import { badInput, notFound } from '../../errors';

/** Refusals of knowledge articles and searches. */
export const KnowledgeErrors = {
  notFound: (id: string) => notFound('KNOWLEDGE_ARTICLE_NOT_FOUND', 'KnowledgeArticle', id),
  /** An article field that does not fit (`extensions.field` names it). */
  invalid: (field: string, message: string) => badInput('KNOWLEDGE_ARTICLE_INVALID', `${field} ${message}`, { field }),
  pageSize: () => badInput('KNOWLEDGE_PAGE_SIZE', 'first must be between 1 and 50', { field: 'first' }),
  searchTextTooLong: () => badInput('KNOWLEDGE_SEARCH_TOO_LONG', 'text must be at most 2,000 characters', { field: 'text' }),
};
