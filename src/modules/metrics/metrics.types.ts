import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { QueueStats } from '../queue/queue.types';
import { Queue } from '../queue/queue.entity';

@ObjectType({ description: 'Service figures of the conversations opened, and the survey answers given, in a range. Rates are 0..1.' })
export class ServiceMetrics {
  @Field({ description: 'The group: ALL, a channel, an agent or queue id (UNASSIGNED, NONE), or a day (YYYY-MM-DD in the workspace time zone).' }) key!: string;
  @Field(() => Int) conversations!: number;
  @Field(() => Float, { nullable: true, description: 'From opening to the first agent reply.' }) avgFirstResponseSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: 'From assignment (or opening) to resolution.' }) avgHandleSeconds!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Of resolved conversations: resolved without a transfer or a reopening, and no new conversation from the customer within 7 days.',
  })
  firstContactResolutionRate!: number | null;
  @Field(() => Float, { nullable: true }) resolutionRate!: number | null;
  @Field(() => Float, { nullable: true }) transferRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Conversations the same customer followed with another within 7 days.' }) repeatContactRate!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Of conversations with an SLA that were resolved or breached: those never breached.' }) slaAttainment!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Average CSAT score, 1 to 5.' }) csatAverage!: number | null;
  @Field(() => Float, { nullable: true, description: 'Promoters (9-10) minus detractors (0-6), in percent of NPS answers.' }) nps!: number | null;
  @Field(() => Int) surveyResponses!: number;
  @Field(() => Float, { nullable: true, description: 'Of resolved conversations: those no person ever answered (the bot alone).' }) botResolutionRate!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Share of CSAT answers of 4 or 5.' }) csatSatisfiedRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean CES answer.' }) cesAverage!: number | null;
  @Field(() => Float, { nullable: true, description: "Share of agents' replies that are empathetic." }) empatheticReplyRate!: number | null;
  @Field(() => Float, { nullable: true, description: "Share of the customers' messages with negative sentiment (below 0)." }) negativeSentimentRate!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Share of conversations escalated at least once.' }) escalationRate!: number | null;
}

@ObjectType()
export class CountByKey {
  @Field() key!: string;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class CustomerMetrics {
  @Field(() => Int) total!: number;
  @Field(() => [CountByKey]) byLifecycleStage!: CountByKey[];
  @Field(() => [CountByKey]) byValueTier!: CountByKey[];
  @Field(() => [CountByKey], { description: 'Live customers by their first preferred channel; NONE for those without one.' }) byPreferredChannel!: CountByKey[];
}

@ObjectType({ description: 'The support floor at a moment: queues with their stats, today so far, and the feedback ledger.' })
export class DashboardSnapshot {
  @Field() at!: Date;
  @Field(() => [Queue]) queues!: Queue[];
  @Field(() => ServiceMetrics, { description: "Today's service figures, from midnight in the workspace's time zone." }) today!: ServiceMetrics;
  @Field(() => Int) openFeedback!: number;
  @Field(() => Int) overdueFeedback!: number;
  /** The queues' stats as computed with the snapshot, handed to every subscriber. */
  stats!: Map<string, QueueStats>;
}

@ObjectType({ description: 'Business figures of a time range (README: Business metrics).' })
export class BusinessMetrics {
  @Field(() => Float, { nullable: true, description: "Customers active in the range's first half who are active again in its second half." }) retentionRate!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Of customers who bought in the range, those who bought at least twice.' }) repeatPurchaseRate!:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Conversations followed by an order within 7 days.' }) enquiryConversionRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Orders by existing customers in a category they had not bought before.' }) crossSellRate!: number | null;
  @Field(() => Int, { description: 'Customers with an event in the range.' }) activeCustomers!: number;
  @Field(() => Int, { description: 'Customers first seen in the range.' }) newCustomers!: number;
  @Field(() => Float, { description: "The range's purchases' revenue." }) revenue!: number;
}
