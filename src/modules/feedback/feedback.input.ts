import { Field, ID, InputType } from 'type-graphql';
import { Channel, FeedbackCategory, FeedbackSeverity, FeedbackStatus } from '../../graphql/enums';

@InputType()
export class OpenFeedbackInput {
  @Field(() => ID) customerId!: string;
  @Field(() => ID, { nullable: true }) conversationId?: string | null;
  @Field(() => FeedbackCategory) category!: FeedbackCategory;
  @Field(() => FeedbackSeverity) severity!: FeedbackSeverity;
  @Field() summary!: string;
  @Field(() => String, { nullable: true }) ownerTeam?: string | null;
  @Field(() => String, { nullable: true }) owner?: string | null;
  @Field(() => Date, { nullable: true }) dueAt?: Date | null;
  @Field(() => String, { nullable: true }) acceptanceCriteria?: string | null;
}

@InputType()
export class AdvanceFeedbackInput {
  @Field(() => ID) id!: string;
  @Field(() => FeedbackStatus) status!: FeedbackStatus;
  @Field(() => String, { nullable: true, description: 'The resolution note (required to resolve), or a remark on any other step.' }) note?: string | null;
  @Field(() => String, { nullable: true }) owner?: string | null;
  @Field(() => String, { nullable: true }) ownerTeam?: string | null;
}

@InputType()
export class ScheduleFollowUpInput {
  @Field(() => ID) feedbackItemId!: string;
  @Field() dueAt!: Date;
  @Field(() => Channel) channel!: Channel;
}

@InputType()
export class FeedbackFilter {
  @Field(() => [FeedbackStatus], { nullable: true }) status?: FeedbackStatus[] | null;
  @Field(() => [FeedbackCategory], { nullable: true }) category?: FeedbackCategory[] | null;
  @Field(() => [FeedbackSeverity], { nullable: true }) severity?: FeedbackSeverity[] | null;
  @Field(() => String, { nullable: true }) ownerTeam?: string | null;
  @Field(() => Boolean, { nullable: true }) overdue?: boolean | null;
}
