import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import { may } from '../../graphql/auth';
import { Conversation } from '../conversation/conversation.entity';
import { KnowledgeArticle } from './knowledge-article.entity';
import { deleteArticle, saveArticle, searchArticles } from './knowledge.service';
import { KnowledgeMatch } from './knowledge.types';
import { KnowledgeArticleInput } from './knowledge.input';
import { ConversationErrors } from '../conversation/conversation.errors';
import { KnowledgeErrors } from './knowledge.errors';

const pageSize = (first: number | null | undefined, fallback: number) => {
  const size = first ?? fallback;
  if (size < 1 || size > 50) throw KnowledgeErrors.pageSize();
  return size;
};

@Resolver()
export class KnowledgeResolver {
  @Authorized(...may.readKnowledge)
  @Query(() => [KnowledgeMatch], { description: 'Articles that answer a free text (Chinese or English), best first, with a 0..1 score.' })
  searchKnowledge(@Arg('text') text: string, @Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<KnowledgeMatch[]> {
    if (text.length > 2000) throw KnowledgeErrors.searchTextTooLong();
    return searchArticles(ctx.em, ctx.viewer.workspaceId, text, pageSize(first, 5));
  }

  @Authorized(...may.readConversations)
  @Query(() => [KnowledgeMatch], {
    description: "Articles that answer the conversation's latest inbound messages (the last three), best first: for the agent's screen.",
  })
  async suggestedAnswers(
    @Arg('conversationId', () => ID) conversationId: string,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
  ): Promise<KnowledgeMatch[]> {
    const size = pageSize(first, 3);
    const conversation = isUuid(conversationId) ? await ctx.loaders.byId(Conversation).load(conversationId) : null;
    if (!conversation) throw ConversationErrors.notFound(conversationId);
    const latest = await sql<{ body: string }>(
      ctx.em,
      `select body from message where workspace_id = ? and conversation_id = ? and direction = 'INBOUND' order by created_at desc, id desc limit 3`,
      [ctx.viewer.workspaceId, conversation.id],
    );
    return searchArticles(ctx.em, ctx.viewer.workspaceId, latest.map((message) => message.body).join('\n'), size);
  }

  @Authorized(...may.manageKnowledge)
  @Mutation(() => KnowledgeArticle)
  async createKnowledgeArticle(@Arg('input', () => KnowledgeArticleInput) input: KnowledgeArticleInput, @Ctx() ctx: Context): Promise<KnowledgeArticle> {
    return this.load(ctx, await saveArticle(ctx.em, ctx.viewer, null, input, ctx.clock.now()));
  }

  @Authorized(...may.manageKnowledge)
  @Mutation(() => KnowledgeArticle)
  async updateKnowledgeArticle(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => KnowledgeArticleInput) input: KnowledgeArticleInput,
    @Ctx() ctx: Context,
  ): Promise<KnowledgeArticle> {
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
