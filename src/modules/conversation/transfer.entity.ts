import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** A move of a conversation to another queue, agent or channel. */
@Entity({ tableName: 'conversation_transfer' })
@WorkspaceScoped()
@Index({ properties: ['workspace', 'conversationId', 'at'] })
@ObjectType('Transfer')
export class Transfer {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  conversationId!: string;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  fromQueueId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  toQueueId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  fromAgentId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  toAgentId?: string | null;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  fromChannel?: Channel | null;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  toChannel?: Channel | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  note?: string | null;

  @Property()
  @Field()
  at!: Date;
}
