import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Field, ObjectType } from 'type-graphql';
import { Channel, ContactPurpose } from '../../graphql/enums';
import { Workspace } from '../workspace/workspace.entity';

/** The current consent of a customer for one channel and purpose. */
@Entity()
@WorkspaceScoped()
@Unique({ properties: ['workspace', 'customerId', 'channel', 'purpose'] })
@ObjectType()
export class Consent {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Field(() => Channel)
  @Enum({ items: () => Channel })
  channel!: Channel;

  @Field(() => ContactPurpose)
  @Enum({ items: () => ContactPurpose })
  purpose!: ContactPurpose;

  @Field()
  @Property()
  granted!: boolean;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  source?: string | null;

  @Field()
  @Property()
  updatedAt: Date = new Date();
}

/** Every consent decision as it was recorded: the history behind `Consent`. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId', 'at'] })
@ObjectType({ description: 'One consent decision as it was recorded.' })
export class ConsentChange {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Field(() => Channel)
  @Enum({ items: () => Channel })
  channel!: Channel;

  @Field(() => ContactPurpose)
  @Enum({ items: () => ContactPurpose })
  purpose!: ContactPurpose;

  @Field()
  @Property()
  granted!: boolean;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  source?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorKeyId?: string | null;

  @Field()
  @Property()
  at!: Date;
}

/** One outbound contact of a customer (counted against frequency caps, and for response rates). */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId', 'at'] })
export class ContactTouch {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Enum({ items: () => Channel })
  channel!: Channel;

  @Enum({ items: () => ContactPurpose })
  purpose!: ContactPurpose;

  @Property()
  at!: Date;
}
