import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { Node } from '../../graphql/node';
import { withDefaults, WorkspaceSettings } from './workspace-settings.types';

@Entity()
@ObjectType({ implements: Node })
export class Workspace implements Node {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'storedSettings' | 'settings';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @Property()
  @Field()
  name!: string;

  @Property({ type: 'jsonb' })
  storedSettings: Partial<WorkspaceSettings> = {};

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** The stored settings over the defaults. */
  @Field(() => WorkspaceSettings)
  get settings(): WorkspaceSettings {
    return withDefaults(this.storedSettings);
  }
}
