import { Field, Float, InputType, Int } from 'type-graphql';
import { Role, ValueTier } from '../../graphql/enums';

@InputType()
export class ContactCadenceInput {
  @Field(() => ValueTier) valueTier!: ValueTier;
  @Field(() => Int, { nullable: true }) dedicatedEveryDays?: number | null;
  @Field(() => Int, { nullable: true }) onlineEveryDays?: number | null;
}

@InputType()
export class WorkspaceSettingsInput {
  @Field(() => Float, { nullable: true }) highValueAnnualSpend?: number;
  @Field(() => Float, { nullable: true }) mediumValueAnnualSpend?: number;
  @Field(() => Int, { nullable: true }) newCustomerDays?: number;
  @Field(() => Int, { nullable: true }) atRiskAfterDays?: number;
  @Field(() => Int, { nullable: true }) churnedAfterDays?: number;
  @Field(() => Int, { nullable: true }) highValueContactCap?: number;
  @Field(() => Int, { nullable: true }) mediumValueContactCap?: number;
  @Field(() => Int, { nullable: true }) basicValueContactCap?: number;
  @Field(() => Int, { nullable: true }) contactCapDays?: number;
  @Field(() => Int, { nullable: true }) ownerFirstWaitSeconds?: number;
  @Field({ nullable: true }) autoGreeting?: boolean;
  @Field(() => [ContactCadenceInput], { nullable: true, description: 'Cadences by tier; a tier left out keeps its cadence.' })
  contactCadences?: ContactCadenceInput[];
  @Field(() => Float, { nullable: true }) followUpSampleRate?: number;
  @Field(() => Float, { nullable: true }) careTaskNoticeHours?: number;
  @Field(() => [String], { nullable: true }) empathyPhrases?: string[];
  @Field(() => Float, { nullable: true }) negativeSentimentThreshold?: number;
  @Field({ nullable: true }) scoreSentiment?: boolean;
  @Field({ nullable: true }) allowPrivateWebhookUrls?: boolean;
  @Field(() => Float, { nullable: true }) generalResponseHours?: number;
  @Field(() => Float, { nullable: true }) complexResponseHours?: number;
  @Field(() => Float, { nullable: true }) majorResponseHours?: number;
  @Field(() => Int, { nullable: true }) followUpAfterDays?: number;
  @Field(() => Float, { nullable: true }) autoReplyThreshold?: number;
  @Field({ nullable: true }) timezone?: string;
  @Field({ nullable: true }) defaultPhoneRegion?: string;
  @Field(() => [Role], { nullable: true }) maskedRoles?: Role[];
  @Field(() => [String], { nullable: true }) personalTraitKeys?: string[];
}
