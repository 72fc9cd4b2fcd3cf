import { Field, InputType, Int } from 'type-graphql';
import { Channel, ContactPurpose } from '../../graphql/enums';

@InputType()
export class ConsentInput {
  @Field(() => Channel) channel!: Channel;
  @Field(() => ContactPurpose) purpose!: ContactPurpose;
  @Field() granted!: boolean;
  @Field(() => String, { nullable: true, description: 'Where the decision was made, such as "signup-form" or "sms-reply".' }) source?: string | null;
}

@InputType()
export class QuietHoursInput {
  @Field() start!: string;
  @Field() end!: string;
}

@InputType()
export class FrequencyCapInput {
  @Field(() => Int) maxContacts!: number;
  @Field(() => Int) perDays!: number;
}

/** Fields left out stay as they are; an explicit null clears. */
@InputType()
export class PreferencesInput {
  @Field(() => [Channel], { nullable: true }) preferredChannels?: Channel[] | null;
  @Field(() => String, { nullable: true }) language?: string | null;
  @Field(() => String, { nullable: true }) timezone?: string | null;
  @Field(() => QuietHoursInput, { nullable: true }) quietHours?: QuietHoursInput | null;
  @Field(() => FrequencyCapInput, { nullable: true }) frequencyCap?: FrequencyCapInput | null;
  @Field(() => [ConsentInput], { nullable: true }) consents?: ConsentInput[] | null;
}
