import { ArrayType, DecimalType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { LifecycleStage, ValueTier } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { JSONScalar } from '../../graphql/scalars';
import { Workspace } from '../workspace/workspace.entity';

/**
 * One person. A customer absorbed by a merge stays as a tombstone (`mergedIntoId`) so its id still
 * resolves to the survivor.
 */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'lastSeenAt', 'id'] })
@Index({ properties: ['workspace', 'createdAt', 'id'] })
@Index({ properties: ['workspace', 'totalSpend', 'id'] })
@Index({ properties: ['workspace', 'mergedIntoId'] })
@Index({ properties: ['workspace', 'lifecycleStage'] })
@Index({
  name: 'customer_owner',
  expression: 'create index "customer_owner" on "customer" ("workspace_id", "owner_id") where "owner_id" is not null',
})
@Index({
  name: 'customer_contact_due',
  expression:
    'create index "customer_contact_due" on "customer" ("workspace_id", "next_contact_due_at", "id") where "next_contact_due_at" is not null and "merged_into_id" is null and "erased_at" is null',
})
@Index({
  name: 'customer_owner_contact_due',
  expression:
    'create index "customer_owner_contact_due" on "customer" ("workspace_id", "owner_id", "next_contact_due_at", "id") where "next_contact_due_at" is not null and "owner_id" is not null and "merged_into_id" is null and "erased_at" is null',
})
@Index({
  name: 'customer_display_name_prefix',
  expression: 'create index "customer_display_name_prefix" on "customer" ("workspace_id", lower("display_name") text_pattern_ops)',
})
@ObjectType({ implements: Node })
export class Customer implements Node {
  [OptionalProps]?:
    | 'traits'
    | 'traitTimes'
    | 'tags'
    | 'lifecycleStage'
    | 'valueTier'
    | 'totalSpend'
    | 'annualSpend'
    | 'orderCount'
    | 'createdAt'
    | 'updatedAt'
    | 'firstSeenAt'
    | 'lastSeenAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  /** No foreign key here: on the busiest insert path it costs a check per row, and workspaces are never deleted. */
  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid', nullable: true })
  mergedIntoId?: string | null;

  /** The dedicated adviser (an agent marked `dedicated`), if any; GraphQL's `owner`. */
  @Property({ type: 'uuid', nullable: true })
  ownerId?: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Property({ type: 'jsonb' })
  @Field(() => JSONScalar)
  traits: Record<string, unknown> = {};

  /** When each trait was last observed (ISO), so the latest observation wins per key. */
  @Property({ type: 'jsonb' })
  traitTimes: Record<string, string> = {};

  @Property({ type: ArrayType })
  @Field(() => [String])
  tags: string[] = [];

  @Enum({ items: () => LifecycleStage })
  @Field(() => LifecycleStage)
  lifecycleStage: LifecycleStage = LifecycleStage.PROSPECT;

  @Enum({ items: () => ValueTier })
  @Field(() => ValueTier)
  valueTier: ValueTier = ValueTier.BASIC;

  @Property({ type: new DecimalType('number'), precision: 16, scale: 2 })
  @Field(() => Float)
  totalSpend: number = 0;

  @Property()
  @Field(() => Int)
  orderCount: number = 0;

  @Property()
  @Field()
  firstSeenAt: Date = new Date();

  @Property()
  @Field()
  lastSeenAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  lastPurchaseAt?: Date | null;

  /** Facts the lifecycle stage is computed from (see lifecycle/lifecycle.rules.ts). */
  @Property({ type: 'datetime', nullable: true })
  firstPurchaseAt?: Date | null;

  /** The customer's last contact with us on a channel (an event with a channel, an inbound message). */
  @Property({ type: 'datetime', nullable: true })
  lastInboundAt?: Date | null;

  /** The last complaint (a COMPLAINT feedback item or a detractor survey). */
  @Property({ type: 'datetime', nullable: true })
  complaintAt?: Date | null;

  /** The purchase that brought an AT_RISK or CHURNED customer back. */
  @Property({ type: 'datetime', nullable: true })
  reactivatedAt?: Date | null;

  /** Spend in the last 365 days when last computed; the value tier follows from it. */
  @Property({ type: new DecimalType('number'), precision: 16, scale: 2, default: 0 })
  annualSpend: number = 0;

  /** The last outbound contact (recordContact, an agent's message), and the last dedicated one (by the owner, on PHONE or IN_PERSON). */
  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  lastContactAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  lastDedicatedContactAt?: Date | null;

  /** When the tier's cadence next asks for a contact (care/cadence.rules.ts); null when none applies. */
  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: "When the customer's tier cadence next asks for a contact (null when no cadence applies)." })
  nextContactDueAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  erasedAt?: Date | null;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property({ onUpdate: () => new Date() })
  @Field()
  updatedAt: Date = new Date();
}
