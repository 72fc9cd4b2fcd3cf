import { Field, Float, ID, InputType } from 'type-graphql';
import { CareTaskStatus, Channel, PlaybookTrigger, Scene } from '../../graphql/enums';

@InputType()
export class PlaybookStepInput {
  @Field() name!: string;
  @Field(() => Float) dueAfterHours!: number;
  @Field(() => Scene) scene!: Scene;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
  @Field(() => Float, { nullable: true }) repeatEveryHours?: number | null;
}

@InputType()
export class PlaybookInput {
  @Field() name!: string;
  @Field(() => PlaybookTrigger) trigger!: PlaybookTrigger;
  @Field(() => ID, { nullable: true, description: 'Only customers in this segment (for SEGMENT_ENTERED: entering it).' }) segmentId?: string | null;
  @Field({ nullable: true }) active?: boolean;
  @Field(() => [PlaybookStepInput]) steps!: PlaybookStepInput[];
}

@InputType()
export class CareTaskFilter {
  @Field(() => [CareTaskStatus], { nullable: true }) status?: CareTaskStatus[];
  @Field(() => ID, { nullable: true }) ownerId?: string;
  @Field(() => ID, { nullable: true }) playbookId?: string;
  @Field({ nullable: true }) overdue?: boolean;
  @Field({ nullable: true }) dueBefore?: Date;
}
