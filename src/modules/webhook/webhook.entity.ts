import { ArrayType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { DeliveryStatus, WebhookTopic } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A receiver of events: a URL, its topics, and the secret that signs what it gets (encrypted at rest). */
@Entity()
@WorkspaceScoped()
@ObjectType({ implements: Node })
export class Webhook implements Node {
  [OptionalProps]?: 'active' | 'failures' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  url!: string;

  @Property({ type: ArrayType })
  @Field(() => [WebhookTopic])
  topics!: WebhookTopic[];

  @Property({ default: true })
  @Field({ description: 'False when paused, by hand or after failing deliveries in a row.' })
  active: boolean = true;

  /** The signing secret, AES-256-GCM encrypted (webhook.rules.ts). */
  @Property({ type: 'text' })
  secretSealed!: string;

  @Property({ default: 0 })
  @Field(() => Int, { description: 'Deliveries failed in a row (a success resets it).' })
  failures: number = 0;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  lastDeliveryAt?: Date | null;

  @Property()
  createdAt: Date = new Date();

  @Property()
  updatedAt: Date = new Date();
}

/** One event sent (or to be sent) to one webhook, with its attempts; kept 7 days. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'webhookId', 'createdAt'] })
@Index({
  name: 'webhook_delivery_due',
  expression: `create index "webhook_delivery_due" on "webhook_delivery" ("workspace_id", "next_attempt_at") where "status" = 'PENDING'`,
})
@ObjectType()
export class WebhookDelivery {
  [OptionalProps]?: 'status' | 'attempts' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  webhookId!: string;

  @Enum({ items: () => WebhookTopic })
  @Field(() => WebhookTopic)
  topic!: WebhookTopic;

  /** The body sent, as JSON text (its event id is the delivery's). */
  @Property({ type: 'text' })
  body!: string;

  @Enum({ items: () => DeliveryStatus })
  @Field(() => DeliveryStatus)
  status: DeliveryStatus = DeliveryStatus.PENDING;

  @Property({ default: 0 })
  @Field(() => Int)
  attempts: number = 0;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true })
  responseStatus?: number | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  error?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  nextAttemptAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  deliveredAt?: Date | null;

  @Property()
  @Field()
  createdAt: Date = new Date();
}
