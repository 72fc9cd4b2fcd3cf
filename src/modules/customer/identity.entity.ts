import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { IdentityType } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** One identifier of a customer. A (workspace, type, value) belongs to one customer: a unique index says so. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'type', 'value'] })
@Index({ properties: ['workspace', 'customerId'] })
@Index({ name: 'identity_value_prefix', expression: 'create index "identity_value_prefix" on "identity" ("workspace_id", lower("value") text_pattern_ops)' })
@ObjectType({ implements: Node })
export class Identity implements Node {
  [OptionalProps]?: 'verified' | 'firstSeenAt' | 'lastSeenAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  /** No foreign key here: on the busiest insert path it costs a check per row, and workspaces are never deleted. */
  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Enum({ items: () => IdentityType })
  @Field(() => IdentityType)
  type!: IdentityType;

  @Property({ type: 'text' })
  @Field({ description: 'Normalised value: e-mail lower-cased, phone in E.164.' })
  value!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  source?: string | null;

  @Property()
  @Field()
  verified: boolean = false;

  @Property()
  @Field()
  firstSeenAt: Date = new Date();

  @Property()
  @Field()
  lastSeenAt: Date = new Date();
}
