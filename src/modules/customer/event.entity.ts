import { DecimalType, Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { JSONScalar } from '../../graphql/scalars';
import { Workspace } from '../workspace/workspace.entity';

/** A behavioural event, or the record of an identify call; `messageId` makes ingestion idempotent. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'messageId'] })
@Index({ properties: ['workspace', 'customerId', 'occurredAt'] })
@Index({
  name: 'event_workspace_id_type_occurred_at_index',
  expression: 'create index "event_workspace_id_type_occurred_at_index" on "event" ("workspace_id", "type", "occurred_at") include ("customer_id", "revenue")',
})
@ObjectType({ implements: Node })
export class Event implements Node {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id!: string;

  /** No foreign key here: on the busiest insert path it costs a check per row, and workspaces are never deleted. */
  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid', nullable: true })
  customerId?: string | null;

  @Property({ type: 'text' })
  @Field()
  messageId!: string;

  @Property({ type: 'text' })
  @Field()
  type!: string;

  @Property({ type: 'jsonb' })
  @Field(() => JSONScalar)
  properties!: Record<string, unknown>;

  @Property({ type: new DecimalType('number'), precision: 16, scale: 2, nullable: true })
  @Field(() => Float, { nullable: true })
  revenue?: number | null;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  channel?: Channel | null;

  @Property()
  @Field()
  occurredAt!: Date;

  @Property()
  @Field()
  receivedAt!: Date;
}
