import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ReplyTemplate } from '../template/reply-template.entity';

@ObjectType({ description: 'A wording under test: a reply template and its share of the customers.' })
export class ExperimentVariant {
  @Field() key!: string;
  @Field(() => Float) weight!: number;
  @Field(() => ReplyTemplate) template!: ReplyTemplate;
}

@ObjectType()
export class VariantResult {
  @Field() key!: string;
  @Field(() => Int) exposures!: number;
  @Field(() => Int, { description: 'Customers whose first conversion event came within the window after their exposure.' }) conversions!: number;
  @Field(() => Float) conversionRate!: number;
  @Field(() => Float, { nullable: true, description: 'Relative to the first variant (the control).' }) lift!: number | null;
  @Field(() => Float, { nullable: true, description: 'Low end of the 95% Wilson interval of the conversion rate.' }) conversionRateLow!: number | null;
  @Field(() => Float, { nullable: true, description: 'High end of the 95% Wilson interval of the conversion rate.' }) conversionRateHigh!: number | null;
  @Field(() => Float, { description: 'Revenue of the converting events.' }) revenue!: number;
  @Field(() => Float, { description: 'Revenue per exposure: the return on showing this wording.' }) revenuePerExposure!: number;
}

@ObjectType()
export class ExperimentResults {
  @Field(() => [VariantResult]) variants!: VariantResult[];
  @Field(() => Float, { nullable: true, description: 'Two-sided p-value of the best variant against the control (two-proportion z-test, pooled).' })
  pValue!: number | null;
  @Field({ description: 'pValue below 0.05.' }) significant!: boolean;
}

@ObjectType()
export class ExperimentAssignment {
  @Field(() => ID) experimentId!: string;
  @Field() variant!: string;
  customerId!: string;
  templateId!: string;
}
