import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { AppError } from '../../errors';
import { may } from '../../graphql/auth';
import { KnowledgeArticle } from './knowledge-article.entity';
import { deleteArticle, saveArticle, searchArticles } from './knowledge.service';
import { KnowledgeArticleInput, KnowledgeMatch } from './knowledge.types';

const pageSize = (first: number | null | undefined, fallback: number) => {
  const size = first ?? fallback;
  if (size < 1 || size > 50) throw AppError.badInput('first must be between 1 and 50', { field: 'first' });
  return size;
};

@Resolver()
export class KnowledgeResolver {
  @Authorized(...may.readKnowledge)
  @Query(() => [KnowledgeMatch], { description: 'Articles that answer a free text (Chinese or English), best first, with a 0..1 score.' })
  searchKnowledge(@Arg('text') text: string, @Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<KnowledgeMatch[]> {
    if (text.length > 2000) throw AppError.badInput('text must be at most 2,000 characters', { field: 'text' });
    return searchArticles(ctx.em, ctx.viewer.workspaceId, text, pageSize(first, 5));
  }

  @Authorized(...may.manageKnowledge)
  @Mutation(() => KnowledgeArticle)
  async createKnowledgeArticle(@Arg('input', () => KnowledgeArticleInput) input: KnowledgeArticleInput, @Ctx() ctx: Context): Promise<KnowledgeArticle> {
    return this.load(ctx, await saveArticle(ctx.em, ctx.viewer, null, input, ctx.clock.now()));
  }

  @Authorized(...may.manageKnowledge)
  @Mutation(() => KnowledgeArticle)
  async updateKnowledgeArticle(@Arg('id', () => ID) id: string, @Arg('input', () => KnowledgeArticleInput) input: KnowledgeArticleInput, @Ctx() ctx: Context): Promise<KnowledgeArticle> {
    return this.load(ctx, await saveArticle(ctx.em, ctx.viewer, id, input, ctx.clock.now()));
  }

  @Authorized(...may.manageKnowledge)
  @Mutation(() => Boolean)
  async deleteKnowledgeArticle(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await deleteArticle(ctx.em, ctx.viewer, id);
    return true;
  }

  private async load(ctx: Context, id: string): Promise<KnowledgeArticle> {
    return (await ctx.loaders.byId(KnowledgeArticle).load(id))!;
  }
}
