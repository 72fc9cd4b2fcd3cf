import { Field, Float, InputType, ObjectType } from 'type-graphql';
import { KnowledgeArticle } from './knowledge-article.entity';

@ObjectType()
export class KnowledgeMatch {
  @Field(() => KnowledgeArticle) article!: KnowledgeArticle;
  @Field(() => Float, { description: '0..1; how well the article answers the text.' }) score!: number;
}

@InputType()
export class KnowledgeArticleInput {
  @Field() title!: string;
  @Field() body!: string;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
  @Field(() => String, { nullable: true }) language?: string | null;
  @Field(() => Boolean, { nullable: true }) autoReply?: boolean | null;
}
