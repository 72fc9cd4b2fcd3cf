import { Field, InputType } from 'type-graphql';
import { Channel, LifecycleStage, Scene, ValueTier } from '../../graphql/enums';

@InputType()
export class ReplyTemplateInput {
  @Field() name!: string;
  @Field(() => Channel) channel!: Channel;
  @Field(() => Scene) scene!: Scene;
  @Field() body!: string;
  @Field(() => [LifecycleStage], { nullable: true }) lifecycleStages?: LifecycleStage[] | null;
  @Field(() => [ValueTier], { nullable: true }) valueTiers?: ValueTier[] | null;
}
