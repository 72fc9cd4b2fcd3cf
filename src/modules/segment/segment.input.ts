import { Field, InputType } from 'type-graphql';
import { SegmentKind } from '../../graphql/enums';
import { SegmentRuleInput } from './segment-rule.input';

@InputType()
export class CreateSegmentInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => SegmentKind) kind!: SegmentKind;
  @Field(() => SegmentRuleInput, { nullable: true }) rule?: SegmentRuleInput | null;
}

@InputType()
export class UpdateSegmentInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => SegmentRuleInput, { nullable: true }) rule?: SegmentRuleInput | null;
}
