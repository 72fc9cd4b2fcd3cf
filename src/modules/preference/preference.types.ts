import { Field, Int, ObjectType } from 'type-graphql';
import { Channel, ContactBlock } from '../../graphql/enums';
import { Consent } from './consent.entity';

@ObjectType()
export class QuietHours {
  @Field({ description: 'Local time, HH:MM.' }) start!: string;
  @Field() end!: string;
}

@ObjectType()
export class FrequencyCap {
  @Field(() => Int) maxContacts!: number;
  @Field(() => Int) perDays!: number;
}

@ObjectType()
export class CustomerPreferences {
  @Field(() => [Channel], { description: "Channels in the customer's order of preference." }) preferredChannels!: Channel[];
  @Field(() => String, { nullable: true }) language!: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone, such as Asia/Shanghai.' }) timezone!: string | null;
  @Field(() => QuietHours, { nullable: true }) quietHours!: QuietHours | null;
  @Field(() => FrequencyCap, { nullable: true, description: "The customer's own cap; when null, the cap of the customer's value tier applies." })
  frequencyCap!: FrequencyCap | null;
  @Field(() => [Consent]) consents!: Consent[];
  /** Whose preferences these are, for the consent-history field. */
  customerId!: string;
}

@ObjectType()
export class Contactability {
  @Field() allowed!: boolean;
  @Field(() => [ContactBlock]) blockedBy!: ContactBlock[];
  @Field(() => Date, { nullable: true, description: 'The earliest time at which contact would be allowed, when it is not now and can become so.' })
  nextAllowedAt!: Date | null;
}
