import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
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

@ObjectType()
export class IngestItemError {
  @Field(() => Int) index!: number;
  @Field(() => String, { nullable: true }) messageId?: string | null;
  @Field() code!: string;
  @Field() message!: string;
}

@ObjectType({ description: 'An identifier an item carried that was not linked, because an identity rule forbids it.' })
export class UnlinkedIdentifier {
  @Field(() => Int) index!: number;
  @Field(() => IdentityType) type!: IdentityType;
  @Field() value!: string;
  @Field() reason!: string;
}

@ObjectType()
export class IngestResult {
  @Field(() => Int) accepted!: number;
  @Field(() => Int) duplicates!: number;
  @Field(() => Int) customersCreated!: number;
  @Field(() => Int) merges!: number;
  @Field(() => [IngestItemError]) errors!: IngestItemError[];
  @Field(() => [UnlinkedIdentifier], { description: 'Identifiers left unlinked by identity rules (merges refused).' })
  unlinked!: UnlinkedIdentifier[];
  /** Customer of each applied item, by index; for identify and conversations. */
  customerOf!: Map<number, string>;
}
