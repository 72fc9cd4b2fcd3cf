import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { CareTaskStatus, Channel, PlaybookTrigger, Scene } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/**
 * A contact a playbook step (or a sampled follow-up) asks for, due at a time, for the customer's
 * owner or whoever takes it. `subjectId` is what triggered it (a feedback item, a conversation, a
 * segment), so a settled subject stops its repeats.
 */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId', 'createdAt'] })
@Index({ properties: ['workspace', 'playbookId'] })
@Index({
  name: 'care_task_open_due',
  expression: `create index "care_task_open_due" on "care_task" ("workspace_id", "due_at", "id") where "status" = 'OPEN'`,
})
@Index({
  name: 'care_task_unannounced',
  expression: `create index "care_task_unannounced" on "care_task" ("workspace_id", "due_at") where "status" = 'OPEN' and "overdue_announced_at" is null`,
})
@Index({
  name: 'care_task_subject',
  expression: `create index "care_task_subject" on "care_task" ("workspace_id", "subject_id") where "subject_id" is not null and "status" = 'OPEN'`,
})
@ObjectType({ implements: Node })
export class CareTask implements Node {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid', nullable: true })
  playbookId?: string | null;

  @Enum({ items: () => PlaybookTrigger, nullable: true })
  trigger?: PlaybookTrigger | null;

  @Property({ type: 'uuid', nullable: true })
  subjectId?: string | null;

  @Property({ type: 'text' })
  @Field({ description: "The step's name, or CADENCE for a contact the tier cadence asks for." })
  step!: string;

  @Enum({ items: () => Scene })
  @Field(() => Scene)
  scene!: Scene;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  channel?: Channel | null;

  @Property({ type: 'uuid', nullable: true })
  ownerId?: string | null;

  @Property()
  @Field()
  dueAt!: Date;

  @Property({ type: 'double', nullable: true })
  @Field(() => Float, { nullable: true, description: 'Hours to the next occurrence, created when this one is done, until the subject is settled.' })
  repeatEveryHours?: number | null;

  @Enum({ items: () => CareTaskStatus })
  @Field(() => CareTaskStatus)
  status: CareTaskStatus = CareTaskStatus.OPEN;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  doneAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  note?: string | null;

  /** When `careTaskDue` announced it as due, and as overdue: once each. */
  @Property({ type: 'datetime', nullable: true })
  dueAnnouncedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  overdueAnnouncedAt?: Date | null;

  @Property()
  @Field()
  createdAt: Date = new Date();

  @Property()
  updatedAt: Date = new Date();
}
