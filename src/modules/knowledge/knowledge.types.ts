import { Field, Float, ObjectType } from 'type-graphql';
import { KnowledgeArticle } from './knowledge-article.entity';

@ObjectType()
export class KnowledgeMatch {
  @Field(() => KnowledgeArticle) article!: KnowledgeArticle;
  @Field(() => Float, { description: '0..1; how well the article answers the text.' }) score!: number;
}
