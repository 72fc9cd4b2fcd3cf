import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { AgentStatus } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A person who answers conversations. `activeCount` is kept by routing under the agent's row lock. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'status'] })
@ObjectType({ implements: Node })
export class Agent implements Node {
  [OptionalProps]?: 'createdAt' | 'status' | 'activeCount' | 'statusChangedAt' | 'dedicated';

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
  email?: string | null;

  @Property({ type: ArrayType })
  @Field(() => [String])
  skills!: string[];

  @Property()
  @Field(() => Int)
  maxConcurrent!: number;

  @Property({ default: false })
  @Field({ description: 'Takes dedicated (VIP) customers as their owner.' })
  dedicated: boolean = false;

  @Enum({ items: () => AgentStatus })
  @Field(() => AgentStatus)
  status: AgentStatus = AgentStatus.OFFLINE;

  /** Conversations ASSIGNED or WAITING_ON_CUSTOMER with this agent. */
  @Property()
  @Field(() => Int, { name: 'activeConversations' })
  activeCount: number = 0;

  /** The last assignment: among equally loaded agents, the one idle longest goes first. */
  @Property({ type: 'datetime', nullable: true })
  lastAssignedAt?: Date | null;

  @Property()
  statusChangedAt: Date = new Date();

  @Property()
  createdAt: Date = new Date();
}

/** An agent's membership of a queue. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'queueId', 'agentId'] })
export class AgentQueue {
  @PrimaryKey({ type: 'uuid' })
  agentId!: string;

  @PrimaryKey({ type: 'uuid' })
  queueId!: string;

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;
}
