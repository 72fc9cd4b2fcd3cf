import { ArrayType, Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** An answer to a frequent question; `terms` are its searchable words (see search-terms.rules.ts). */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'updatedAt'] })
@Index({ name: 'knowledge_article_terms', expression: 'create index "knowledge_article_terms" on "knowledge_article" using gin ("workspace_id", "terms")' })
@ObjectType({ implements: Node })
export class KnowledgeArticle implements Node {
  [OptionalProps]?: 'tags' | 'autoReply' | 'terms' | 'titleTerms' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  title!: string;

  @Property({ type: 'text' })
  @Field()
  body!: string;

  @Property({ type: ArrayType })
  @Field(() => [String])
  tags: string[] = [];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  language?: string | null;

  @Property()
  @Field({ description: 'Whether an inbound message matching it may be answered automatically.' })
  autoReply: boolean = false;

  /** Stemmed words of the title, tags and body. */
  @Property({ type: ArrayType })
  terms: string[] = [];

  /** Stemmed words of the title and tags, which weigh more. */
  @Property({ type: ArrayType })
  titleTerms: string[] = [];

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property()
  @Field()
  updatedAt: Date = new Date();
}
