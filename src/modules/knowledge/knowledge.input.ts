import { Field, InputType } from 'type-graphql';

@InputType()
export class KnowledgeArticleInput {
  @Field() title!: string;
  @Field() body!: string;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
  @Field(() => String, { nullable: true }) language?: string | null;
  @Field(() => Boolean, { nullable: true }) autoReply?: boolean | null;
}
