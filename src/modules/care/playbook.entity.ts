import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { PlaybookTrigger } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';
import { PlaybookStep } from './playbook.types';

/** What a trigger (a first purchase, becoming AT_RISK, a complaint …) turns into care tasks, step by step. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'trigger'] })
@ObjectType({ implements: Node })
export class Playbook implements Node {
  [OptionalProps]?: 'active' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'text' })
  @Field()
  name!: string;

  @Enum({ items: () => PlaybookTrigger })
  @Field(() => PlaybookTrigger)
  trigger!: PlaybookTrigger;

  /** Narrows the trigger to members of this segment (for SEGMENT_ENTERED: the segment entered). */
  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true })
  segmentId?: string | null;

  @Property({ default: true })
  @Field()
  active: boolean = true;

  @Property({ type: 'jsonb' })
  @Field(() => [PlaybookStep])
  steps!: PlaybookStep[];

  @Property()
  createdAt: Date = new Date();

  @Property()
  updatedAt: Date = new Date();
}
