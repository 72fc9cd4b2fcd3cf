import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { AuthorKind, Channel, MessageDirection } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** One message of a conversation. `customerId` repeats the conversation's, for the customer's timeline. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'conversationId', 'createdAt', 'id'] })
@Index({ properties: ['workspace', 'customerId', 'createdAt', 'id'] })
@ObjectType({ implements: Node })
export class Message implements Node {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  conversationId!: string;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Enum({ items: () => MessageDirection })
  @Field(() => MessageDirection)
  direction!: MessageDirection;

  @Enum({ items: () => Channel })
  @Field(() => Channel)
  channel!: Channel;

  @Enum({ items: () => AuthorKind })
  @Field(() => AuthorKind)
  author!: AuthorKind;

  @Property({ type: 'uuid', nullable: true })
  agentId?: string | null;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'double', nullable: true })
  @Field(() => Float, { nullable: true, description: "-1 (negative) to 1 (positive), for the customer's messages: a lexicon method (README)." })
  sentiment?: number | null;

  @Property({ type: 'boolean', nullable: true })
  @Field(() => Boolean, { nullable: true, description: "For agents' replies: whether it holds an empathetic phrase (WorkspaceSettings.empathyPhrases)." })
  empathetic?: boolean | null;

  @Property()
  @Field()
  createdAt!: Date;
}
