import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { LifecycleStage } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** One change of a customer's lifecycle stage, and why. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId', 'at'] })
@ObjectType()
export class LifecycleTransition {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Enum({ items: () => LifecycleStage, nullable: true })
  @Field(() => LifecycleStage, { nullable: true })
  from?: LifecycleStage | null;

  @Enum({ items: () => LifecycleStage })
  @Field(() => LifecycleStage)
  to!: LifecycleStage;

  @Property({ type: 'text' })
  @Field()
  reason!: string;

  @Property()
  @Field()
  at!: Date;
}
