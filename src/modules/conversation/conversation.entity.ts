import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel, ConversationStatus, Priority, SlaState } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/**
 * One contact with a customer, across every channel it moved through. `rank` is the effective
 * priority routing orders by (0 URGENT, 1 HIGH priority or a HIGH value-tier customer, 2 NORMAL,
 * 3 LOW); SLA targets keep their own state so that each alert is raised once.
 */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'createdAt', 'id'] })
@Index({ properties: ['workspace', 'customerId', 'createdAt'] })
@Index({ properties: ['workspace', 'queueId', 'status', 'rank', 'enqueuedAt'] })
@Index({ properties: ['workspace', 'assigneeId', 'status'] })
@Index({ properties: ['workspace', 'firstResponseSla', 'firstResponseWarnAt'] })
@Index({ properties: ['workspace', 'resolutionSla', 'resolutionWarnAt'] })
@Index({ properties: ['workspace', 'queueId', 'slaBreachedAt'] })
@ObjectType({ implements: Node })
export class Conversation implements Node {
  [OptionalProps]?:
    | 'createdAt'
    | 'updatedAt'
    | 'channelsUsed'
    | 'requiredSkills'
    | 'status'
    | 'priority'
    | 'rank'
    | 'reopenCount'
    | 'botOff'
    | 'agentReplies'
    | 'empatheticReplies'
    | 'scoredMessages'
    | 'negativeMessages'
    | 'sentimentSum'
    | 'escalationCount';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  /** The customer it was opened for; after a merge, the survivor answers for it. */
  @Property({ type: 'uuid' })
  customerId!: string;

  @Enum({ items: () => Channel })
  @Field(() => Channel, { description: 'The channel the conversation is on now.' })
  channel!: Channel;

  @Property({ type: ArrayType })
  @Field(() => [Channel], { description: 'Every channel the conversation has been on, in order.' })
  channelsUsed: Channel[] = [];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  topic?: string | null;

  @Enum({ items: () => ConversationStatus })
  @Field(() => ConversationStatus)
  status: ConversationStatus = ConversationStatus.QUEUED;

  @Enum({ items: () => Priority })
  @Field(() => Priority)
  priority: Priority = Priority.NORMAL;

  @Property({ type: 'smallint' })
  rank: number = 2;

  @Property({ type: 'uuid', nullable: true })
  queueId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  assigneeId?: string | null;

  @Property({ type: ArrayType })
  @Field(() => [String])
  requiredSkills: string[] = [];

  /** When it last joined its queue's line (open, transfer, reopen): its age for routing. */
  @Property({ type: 'datetime', nullable: true })
  enqueuedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  assignedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  firstResponseDueAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  firstResponseWarnAt?: Date | null;

  @Enum({ items: () => SlaState, nullable: true })
  @Field(() => SlaState, { nullable: true, description: 'The first-response target alone; null without an SLA policy.' })
  firstResponseSla?: SlaState | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  resolutionDueAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  resolutionWarnAt?: Date | null;

  @Enum({ items: () => SlaState, nullable: true })
  @Field(() => SlaState, { nullable: true, description: 'The resolution target alone; null without an SLA policy.' })
  resolutionSla?: SlaState | null;

  /** The first breach of either target (for breachedToday). */
  @Property({ type: 'datetime', nullable: true })
  slaBreachedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  firstResponseAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  resolvedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  resolutionNote?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  closedAt?: Date | null;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property()
  @Field()
  updatedAt: Date = new Date();

  /** Tallies of its messages, kept by insertMessage (and escalations, by recordEscalations): service metrics and `sentiment` read them. */
  @Property({ default: 0 })
  agentReplies: number = 0;

  @Property({ default: 0 })
  empatheticReplies: number = 0;

  /** The customer's messages, each scored for sentiment; those below 0; the sum of their scores. */
  @Property({ default: 0 })
  scoredMessages: number = 0;

  @Property({ default: 0 })
  negativeMessages: number = 0;

  @Property({ type: 'double', default: 0 })
  sentimentSum: number = 0;

  @Property({ default: 0 })
  escalationCount: number = 0;

  /** When a strongly negative message of the customer raised its priority (once). */
  @Property({ type: 'datetime', nullable: true })
  sentimentEscalatedAt?: Date | null;
}
