import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Channel, CompareOp, ContactPurpose, CustomerField, IdentityType, SurveyKind } from '../../graphql/enums';
import { JSONScalar } from '../../graphql/scalars';

@InputType({ description: 'A time window relative to the moment of evaluation.' })
export class WithinInput {
  @Field(() => Int) days!: number;
}

@InputType()
export class FieldConditionInput {
  @Field(() => CustomerField) field!: CustomerField;
  @Field(() => CompareOp) op!: CompareOp;
  @Field(() => JSONScalar, { nullable: true }) value?: unknown;
}

@InputType()
export class TraitConditionInput {
  @Field() key!: string;
  @Field(() => CompareOp) op!: CompareOp;
  @Field(() => JSONScalar, { nullable: true }) value?: unknown;
}

@InputType()
export class IdentityConditionInput {
  @Field(() => IdentityType) type!: IdentityType;
  @Field() exists!: boolean;
}

@InputType()
export class PropertyConditionInput {
  @Field() key!: string;
  @Field(() => CompareOp) op!: CompareOp;
  @Field(() => JSONScalar, { nullable: true }) value?: unknown;
}

@InputType()
export class CountInput {
  @Field(() => CompareOp) op!: CompareOp;
  @Field(() => Int) value!: number;
}

@InputType()
export class AmountInput {
  @Field(() => CompareOp) op!: CompareOp;
  @Field(() => Float) value!: number;
}

@InputType({ description: 'Customers whose matching events, in the window, satisfy count (and revenue sum, when given).' })
export class EventConditionInput {
  @Field() name!: string;
  @Field(() => [PropertyConditionInput], { nullable: true }) where?: PropertyConditionInput[];
  @Field(() => WithinInput, { nullable: true }) within?: WithinInput;
  @Field(() => CountInput, { nullable: true }) count?: CountInput;
  @Field(() => AmountInput, { nullable: true }) revenueSum?: AmountInput;
}

@InputType()
export class ConsentConditionInput {
  @Field(() => Channel) channel!: Channel;
  @Field(() => ContactPurpose) purpose!: ContactPurpose;
  @Field() granted!: boolean;
}

@InputType()
export class ConversationConditionInput {
  @Field(() => Channel, { nullable: true }) channel?: Channel;
  @Field(() => WithinInput, { nullable: true }) within?: WithinInput;
  @Field(() => CountInput) count!: CountInput;
}

@InputType()
export class SurveyConditionInput {
  @Field(() => SurveyKind) kind!: SurveyKind;
  @Field(() => AmountInput) score!: AmountInput;
  @Field(() => WithinInput, { nullable: true }) within?: WithinInput;
}

@InputType({ description: 'Customers contacted (recordContact, an agent message) within the window, or, with contacted: false, not.' })
export class ContactConditionInput {
  @Field(() => WithinInput) within!: WithinInput;
  @Field() contacted!: boolean;
}

@InputType({ description: 'Customers who wrote a message with sentiment below `below` (-1..1) within the window (ever, without one).' })
export class SentimentConditionInput {
  @Field(() => Float) below!: number;
  @Field(() => WithinInput, { nullable: true }) within?: WithinInput;
}

@InputType()
export class SegmentMembershipConditionInput {
  @Field(() => ID) segmentId!: string;
  @Field() member!: boolean;
}

@InputType({ description: 'One node of a rule tree: exactly one of its fields is set.' })
export class SegmentRuleInput {
  @Field(() => [SegmentRuleInput], { nullable: true }) and?: SegmentRuleInput[];
  @Field(() => [SegmentRuleInput], { nullable: true }) or?: SegmentRuleInput[];
  @Field(() => SegmentRuleInput, { nullable: true }) not?: SegmentRuleInput;
  @Field(() => FieldConditionInput, { nullable: true }) field?: FieldConditionInput;
  @Field(() => TraitConditionInput, { nullable: true }) trait?: TraitConditionInput;
  @Field(() => IdentityConditionInput, { nullable: true }) identity?: IdentityConditionInput;
  @Field(() => EventConditionInput, { nullable: true }) event?: EventConditionInput;
  @Field(() => ConsentConditionInput, { nullable: true }) consent?: ConsentConditionInput;
  @Field(() => ConversationConditionInput, { nullable: true }) conversation?: ConversationConditionInput;
  @Field(() => SurveyConditionInput, { nullable: true }) survey?: SurveyConditionInput;
  @Field(() => SegmentMembershipConditionInput, { nullable: true }) segment?: SegmentMembershipConditionInput;
  @Field(() => ContactConditionInput, { nullable: true }) contact?: ContactConditionInput;
  @Field(() => SentimentConditionInput, { nullable: true }) sentiment?: SentimentConditionInput;
}
