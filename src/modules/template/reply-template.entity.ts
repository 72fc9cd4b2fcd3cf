import { ArrayType, Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel, LifecycleStage, Scene, ValueTier } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A reply for one channel and scene, optionally aimed at some stages and tiers (none: everyone). */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'name'] })
@ObjectType({ implements: Node })
export class ReplyTemplate implements Node {
  [OptionalProps]?: 'lifecycleStages' | 'valueTiers' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Enum({ items: () => Channel })
  @Field(() => Channel)
  channel!: Channel;

  @Enum({ items: () => Scene })
  @Field(() => Scene)
  scene!: Scene;

  @Property({ type: 'text' })
  @Field({ description: 'Body with placeholders such as {{customer.displayName}} or {{traits.city}}; {{traits.city|your city}} gives a fallback.' })
  body!: string;

  @Property({ type: ArrayType })
  @Field(() => [LifecycleStage])
  lifecycleStages: LifecycleStage[] = [];

  @Property({ type: ArrayType })
  @Field(() => [ValueTier])
  valueTiers: ValueTier[] = [];

  @Property()
  @Field()
  createdAt: Date = new Date();
}
