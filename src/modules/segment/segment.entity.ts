import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { MembershipChange, SegmentKind } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { JSONScalar } from '../../graphql/scalars';
import { Workspace } from '../workspace/workspace.entity';
import type { Rule } from './segment-rule.types';

/** A set of customers: by a rule (DYNAMIC, materialised in segment_member) or by hand (STATIC). */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'name'] })
@ObjectType({ implements: Node })
export class Segment implements Node {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'windowed';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  description?: string | null;

  @Enum({ items: () => SegmentKind })
  @Field(() => SegmentKind)
  kind!: SegmentKind;

  @Property({ type: 'jsonb', nullable: true })
  @Field(() => JSONScalar, { nullable: true, description: 'The rule tree, as the JSON form of SegmentRuleInput. Null for STATIC segments.' })
  rule?: Rule | null;

  /** The rule has a window relative to now, so time alone moves members in and out. */
  @Property({ default: false })
  windowed: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  refreshedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The last evaluation error, if the last evaluation failed.' })
  lastError?: string | null;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property()
  @Field()
  updatedAt: Date = new Date();
}

/** Who is in a segment now. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId'] })
export class SegmentMember {
  @PrimaryKey({ type: 'uuid' })
  segmentId!: string;

  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property()
  since!: Date;
}

/** Each entry into and exit from a segment. */
@Entity({ tableName: 'segment_change' })
@WorkspaceScoped()
@Index({ properties: ['workspace', 'segmentId', 'at', 'id'] })
@ObjectType()
export class SegmentMembershipEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  segmentId!: string;

  @Property({ type: 'uuid' })
  @Field(() => ID)
  customerId!: string;

  @Enum({ items: () => MembershipChange })
  @Field(() => MembershipChange)
  change!: MembershipChange;

  @Property()
  @Field()
  at!: Date;
}
