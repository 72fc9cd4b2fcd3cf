import { Field, Float, InputType } from 'type-graphql';
import { Channel, IdentityType, IngestKind } from '../../graphql/enums';
import { JSONScalar } from '../../graphql/scalars';

@InputType()
export class IdentifierInput {
  @Field(() => IdentityType) type!: IdentityType;
  @Field() value!: string;
  @Field({ nullable: true }) verified?: boolean;
}

@InputType()
export class IngestEventInput {
  @Field({ description: 'Idempotency key: a message seen before is acknowledged and not applied again.' })
  messageId!: string;

  @Field(() => IngestKind) kind!: IngestKind;
  @Field(() => [IdentifierInput]) identifiers!: IdentifierInput[];
  @Field(() => JSONScalar, { nullable: true }) traits?: unknown;

  @Field({ nullable: true, description: 'Event name, for TRACK; a name starting with order_completed counts as a purchase.' })
  event?: string;

  @Field(() => JSONScalar, { nullable: true }) properties?: unknown;
  @Field(() => Float, { nullable: true }) revenue?: number;
  @Field(() => Channel, { nullable: true }) channel?: Channel;
  @Field(() => Date, { nullable: true }) occurredAt?: Date;
  @Field({ nullable: true }) source?: string;
}
