import { Entity, OptionalProps, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Node } from '../../graphql/node';
import { JSONScalar } from '../../graphql/scalars';
import { Workspace } from './workspace.entity';

/** One thing done to a workspace's data, by whom. Written in the transaction that did it. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'at', 'id'] })
@Index({ properties: ['workspace', 'subjectId', 'at'] })
@ObjectType({ implements: Node })
export class AuditEntry implements Node {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { deleteRule: 'cascade' })
  workspace!: Workspace;

  @Property()
  @Field()
  action!: string;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  actorKeyId?: string | null;

  @Property()
  @Field()
  subjectType!: string;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  subjectId!: string;

  @Property({ type: 'jsonb', nullable: true })
  @Field(() => JSONScalar, { nullable: true })
  details?: Record<string, unknown> | null;

  @Property()
  @Field()
  at: Date = new Date();
}
