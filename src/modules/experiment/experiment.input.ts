import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Channel, Scene } from '../../graphql/enums';

@InputType()
export class ExperimentVariantInput {
  @Field() key!: string;
  @Field(() => Float) weight!: number;
  @Field(() => ID) templateId!: string;
}

@InputType()
export class ExperimentInput {
  @Field() name!: string;
  @Field(() => Scene) scene!: Scene;
  @Field(() => Channel) channel!: Channel;
  @Field() conversionEvent!: string;
  @Field(() => Int) windowDays!: number;
  @Field(() => [ExperimentVariantInput]) variants!: ExperimentVariantInput[];
}
