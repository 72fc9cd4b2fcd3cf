import { Field, ID, InputType } from 'type-graphql';
import { LifecycleStage, ValueTier } from '../../graphql/enums';

@InputType()
export class CustomerFilter {
  @Field({ nullable: true }) search?: string;
  @Field(() => [LifecycleStage], { nullable: true }) lifecycleStages?: LifecycleStage[];
  @Field(() => [ValueTier], { nullable: true }) valueTiers?: ValueTier[];
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => ID, { nullable: true }) segmentId?: string;
}
