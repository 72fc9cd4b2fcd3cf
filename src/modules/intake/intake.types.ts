import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import { JSONScalar } from '../../graphql/scalars';

@ObjectType({ description: "The intake of Segment's HTTP Tracking API: what waits to be resolved, and how fast it goes." })
export class IngestionStatus {
  @Field(() => Int, { description: 'Calls stored and not yet applied.' })
  backlog!: number;

  @Field(() => Date, { nullable: true, description: 'When the oldest waiting call was received.' })
  oldestWaitingAt!: Date | null;

  @Field(() => Int, { description: 'Calls stored in the last minute.' })
  acceptedLastMinute!: number;

  @Field(() => Int, { description: 'Calls applied in the last minute.' })
  appliedLastMinute!: number;

  @Field(() => Int, { description: 'Dead letters: calls that could not be applied, kept with their error until retried.' })
  failed!: number;

  @Field(() => Float, { nullable: true, description: 'Seconds from receipt to application, on average over the last minute (null when nothing was applied).' })
  lagSeconds!: number | null;

  @Field(() => Float, { nullable: true, description: 'The 95th percentile of the same.' })
  lagP95Seconds!: number | null;
}

@ObjectType({ description: 'A call of the intake that could not be applied (a dead letter).' })
export class IntakeFailure {
  @Field(() => ID) id!: string;
  @Field() messageId!: string;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Date) failedAt!: Date;
  @Field({ description: 'Why, as `ingest` reports an item (NO_IDENTIFIERS, MISSING_EVENT, INVALID_IDENTIFIER, SUPPRESSED, ...).' }) code!: string;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => Int, { description: 'Times it was tried.' }) attempts!: number;
  @Field(() => JSONScalar, { nullable: true, description: 'The event it stands for, as ingestion would take it; none for an erased customer.' })
  payload!: unknown;
}

export const { Connection: IntakeFailureConnection } = connectionTypes(IntakeFailure);
