import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { uuidv7 } from '../../db/ids';
import { WorkspaceScoped } from '../../db/workspace-filter';
import { Channel, SurveyKind } from '../../graphql/enums';
import { Node } from '../../graphql/node';
import { Workspace } from '../workspace/workspace.entity';

/** One answer to a CSAT (1-5), NPS (0-10) or CES (1-7) survey. */
@Entity()
@WorkspaceScoped()
@Index({ properties: ['workspace', 'customerId', 'createdAt'] })
@Index({ properties: ['workspace', 'kind', 'createdAt'] })
@Index({ properties: ['workspace', 'conversationId'] })
@ObjectType({ implements: Node })
export class SurveyResponse implements Node {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id: string = uuidv7();

  @ManyToOne(() => Workspace, { createForeignKeyConstraint: false })
  workspace!: Workspace;

  @Property({ type: 'uuid' })
  customerId!: string;

  @Property({ type: 'uuid', nullable: true })
  conversationId?: string | null;

  @Enum({ items: () => SurveyKind })
  @Field(() => SurveyKind)
  kind!: SurveyKind;

  @Property({ type: 'smallint' })
  @Field(() => Int)
  score!: number;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  comment?: string | null;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  channel?: Channel | null;

  @Property()
  @Field()
  createdAt: Date = new Date();
}
