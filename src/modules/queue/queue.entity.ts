import { ArrayType, Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A line of waiting conversations, fed by channels and skills, served by its member agents. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'name'] })
@ObjectType({ implements: Node })
export class Queue implements Node {
  [OptionalProps]?: 'createdAt' | 'skills';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Property({ type: ArrayType })
  @Field(() => [Channel])
  channels!: Channel[];

  /** Topics the queue takes: a conversation needing these skills is routed here. */
  @Property({ type: ArrayType })
  @Field(() => [String])
  skills: string[] = [];

  @Property({ type: 'uuid', nullable: true })
  slaPolicyId?: string | null;

  @Property()
  createdAt: Date = new Date();
}
