import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel, FeedbackCategory, FeedbackSeverity, FeedbackStatus } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A complaint, suggestion, praise or question, worked through the rectification ledger. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'createdAt', 'id'] })
@Index({ properties: ['workspace', 'customerId'] })
@Index({ properties: ['workspace', 'status'] })
@ObjectType({ implements: Node })
export class FeedbackItem implements Node {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid', nullable: true })
  conversationId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  surveyResponseId?: string | null;

  @Enum({ items: () => FeedbackCategory })
  @Field(() => FeedbackCategory)
  category!: FeedbackCategory;

  @Enum({ items: () => FeedbackSeverity })
  @Field(() => FeedbackSeverity)
  severity!: FeedbackSeverity;

  @Enum({ items: () => FeedbackStatus })
  @Field(() => FeedbackStatus)
  status: FeedbackStatus = FeedbackStatus.OPEN;

  @Property({ type: 'text' })
  @Field()
  summary!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  ownerTeam?: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  owner?: string | null;

  @Property()
  @Field({ description: 'When a first response is due: GENERAL 1 h, COMPLEX 24 h, MAJOR 48 h after opening, unless the workspace says otherwise.' })
  responseDueAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  dueAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  acceptanceCriteria?: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  resolutionNote?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  acknowledgedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  resolvedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  verifiedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  closedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the customer was told the outcome (on closing).' })
  customerNotifiedAt?: Date | null;

  /** When the overdue sweep published this item (once per item). */
  @Property({ type: 'datetime', nullable: true })
  overdueAlertedAt?: Date | null;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property()
  @Field()
  updatedAt: Date = new Date();
}

/** A contact planned after a feedback item (the "回访"), and its outcome. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'feedbackItemId'] })
@ObjectType()
export class FollowUp {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  feedbackItemId!: string;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property()
  @Field()
  dueAt!: Date;

  @Enum({ items: () => Channel })
  @Field(() => Channel)
  channel!: Channel;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  doneAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  outcome?: string | null;

  @Property()
  createdAt: Date = new Date();
}
