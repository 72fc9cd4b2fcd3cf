import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** Response targets a queue holds its conversations to. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'name'] })
@ObjectType({ implements: Node })
export class SlaPolicy implements Node {
  [OptionalProps]?: 'createdAt' | 'escalateOnBreach';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Property()
  @Field(() => Int)
  firstResponseSeconds!: number;

  @Property()
  @Field(() => Int)
  resolutionSeconds!: number;

  @Property({ type: 'double' })
  @Field(() => Float, { description: 'Share of a target (0..1) after which the conversation is AT_RISK.' })
  warnAt!: number;

  @Property({ default: false })
  @Field({ description: 'A breach of a target escalates the conversation once (one step up in priority).' })
  escalateOnBreach: boolean = false;

  @Property()
  createdAt: Date = new Date();
}
