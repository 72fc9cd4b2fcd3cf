import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel, ExperimentStatus, Scene } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** A variant as stored: its key, weight and reply template. */
export interface StoredVariant {
  key: string;
  weight: number;
  templateId: string;
}

/** An A/B test of wording: customers get a variant (a reply template) by weight, and conversions are counted per variant. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'scene', 'channel'] })
@ObjectType({ implements: Node })
export class Experiment implements Node {
  [OptionalProps]?: 'status' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Enum({ items: () => ExperimentStatus })
  @Field(() => ExperimentStatus)
  status: ExperimentStatus = ExperimentStatus.DRAFT;

  @Enum({ items: () => Scene })
  @Field(() => Scene)
  scene!: Scene;

  @Enum({ items: () => Channel })
  @Field(() => Channel)
  channel!: Channel;

  @Property({ type: 'text' })
  @Field({ description: 'The event that counts as a conversion, within `windowDays` after exposure.' })
  conversionEvent!: string;

  @Property()
  @Field(() => Int)
  windowDays!: number;

  @Property({ type: 'jsonb' })
  variants!: StoredVariant[];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  winner?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  stoppedAt?: Date | null;

  @Property()
  createdAt: Date = new Date();
}

/** A customer's exposure to an experiment: the variant they got, once. */
@Entity()
@WorkspaceScoped()
export class ExperimentExposure {
  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false, primary: true })
  workspace!: Workspace;

  @PrimaryKey({ type: 'uuid' })
  experimentId!: string;

  @PrimaryKey({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'text' })
  variant!: string;

  @Property()
  exposedAt!: Date;
}
