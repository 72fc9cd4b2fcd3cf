import { ArrayType, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** State of a customer row as it was before a merge, to restore on unmerge. */
export interface CustomerSnapshot {
  displayName: string | null;
  traits: Record<string, unknown>;
  traitTimes: Record<string, string>;
  tags: string[];
  totalSpend: number;
  orderCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  lastPurchaseAt: string | null;
}

/** One merge: what the absorbed customer brought to the survivor, so it can be moved back. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'survivorId'] })
@Index({ properties: ['workspace', 'absorbedId'] })
@ObjectType({ implements: Node })
export class CustomerMerge implements Node {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id!: string;

  @ManyToOne(() => Workspace, { deleteRule: 'cascade' })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  survivorId!: string;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  absorbedId!: string;

  @Property({ type: 'text' })
  @Field({ description: 'The identifier values that linked the two customers.' })
  reason!: string;

  @Property({ type: 'jsonb' })
  survivorBefore!: CustomerSnapshot;

  @Property({ type: 'jsonb' })
  absorbedBefore!: CustomerSnapshot;

  @Property({ type: ArrayType })
  movedIdentityIds!: string[];

  @Property({ type: ArrayType })
  movedEventIds!: string[];

  @Property()
  @Field()
  at!: Date;

  @Property({ type: 'datetime', nullable: true })
  unmergedAt?: Date | null;
}
