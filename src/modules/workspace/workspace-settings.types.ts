import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DEFAULT_MASKED_ROLES } from '../../graphql/auth';
import { Role, ValueTier } from '../../graphql/enums';

@ObjectType({ description: "How often a value tier is due a contact (the care plan's cadence)." })
export class ContactCadence {
  @Field(() => ValueTier) valueTier!: ValueTier;
  @Field(() => Int, { nullable: true, description: 'Days between dedicated contacts (a call or visit by the owner); null for none.' })
  dedicatedEveryDays!: number | null;
  @Field(() => Int, { nullable: true, description: 'Days between online touches (WeChat, app, e-mail, SMS); null for none.' })
  onlineEveryDays!: number | null;
}

/** Workspace rules; stored as JSON on the workspace, every key defaulted. */
@ObjectType()
export class WorkspaceSettings {
  @Field(() => Float, { description: 'Annual spend at or above which a customer is HIGH value.' })
  highValueAnnualSpend!: number;

  @Field(() => Float, { description: 'Annual spend at or above which a customer is MEDIUM value.' })
  mediumValueAnnualSpend!: number;

  @Field(() => Int, { description: 'Days after the first purchase during which a customer is NEW.' })
  newCustomerDays!: number;

  @Field(() => Int, { description: 'Days without a purchase or inbound contact after which an ACTIVE customer is AT_RISK.' })
  atRiskAfterDays!: number;

  @Field(() => Int, { description: 'Days without a purchase or inbound contact after which a customer is CHURNED.' })
  churnedAfterDays!: number;

  @Field(() => Int, { description: 'Marketing contacts allowed per contactCapDays for a HIGH value customer without a cap of their own.' })
  highValueContactCap!: number;

  @Field(() => Int, { description: 'Marketing contacts allowed per contactCapDays for a MEDIUM value customer without a cap of their own.' })
  mediumValueContactCap!: number;

  @Field(() => Int, { description: 'Marketing contacts allowed per contactCapDays for a BASIC value customer without a cap of their own.' })
  basicValueContactCap!: number;

  @Field(() => Int, { description: 'The window, in days, of the value-tier contact caps.' })
  contactCapDays!: number;

  @Field({
    description:
      "A conversation that opens is greeted at once with the channel's ONBOARDING (else ENQUIRY) template, rendered for the customer, as the system: not a person's first response.",
  })
  autoGreeting!: boolean;

  @Field(() => [ContactCadence], { description: "How often each value tier is due a contact (the care plan's cadence)." })
  contactCadences!: ContactCadence[];

  @Field(() => Float, { description: 'Share (0..1) of resolved conversations that get a sampled follow-up (抽样回访), chosen by a hash of the id.' })
  followUpSampleRate!: number;

  @Field(() => Float, { description: 'Hours before its due time at which careTaskDue announces a care task as due (it is announced again once overdue).' })
  careTaskNoticeHours!: number;

  @Field(() => [String], { description: "Phrases that make an agent's reply count as empathetic, compared after normalising width and case." })
  empathyPhrases!: string[];

  @Field({ description: 'Lets webhooks reach loopback and private addresses (for a receiver on the same network).' })
  allowPrivateWebhookUrls!: boolean;

  @Field({ description: "Score the sentiment of customers' messages (off: no sentiment is kept, none raises a priority)." })
  scoreSentiment!: boolean;

  @Field(() => Float, { description: "Sentiment (-1..1) below which a customer's message on a waiting conversation raises its priority one step, once." })
  negativeSentimentThreshold!: number;

  @Field(() => Int, { description: "Seconds an owned customer's conversation waits for its owner (online, with capacity) before anyone else may take it." })
  ownerFirstWaitSeconds!: number;

  @Field(() => Float, { description: 'Hours to the first response to GENERAL feedback.' })
  generalResponseHours!: number;

  @Field(() => Float, { description: 'Hours to the first response to COMPLEX feedback.' })
  complexResponseHours!: number;

  @Field(() => Float, { description: 'Hours to the first response to MAJOR feedback.' })
  majorResponseHours!: number;

  @Field(() => Int, { description: 'Days after closing a feedback item at which its follow-up contact is due.' })
  followUpAfterDays!: number;

  @Field(() => Float, { description: 'Knowledge-search score (0..1) at or above which the bot answers a queued customer with an auto-reply article.' })
  autoReplyThreshold!: number;

  @Field({ description: 'IANA time zone for days in reports, such as Asia/Shanghai.' })
  timezone!: string;

  @Field({ description: 'ISO 3166 region for phone numbers written without a country code.' })
  defaultPhoneRegion!: string;

  @Field(() => [Role], {
    description: 'Roles whose keys see personal data masked (identity values, message bodies, personal traits, contact details in free text). Never ADMIN.',
  })
  maskedRoles!: Role[];

  @Field(() => [String], {
    description: 'Trait keys that hold personal data (compared without case): their values, and a displayName made from them, are masked for the maskedRoles.',
  })
  personalTraitKeys!: string[];
}

/** A workspace's settings: what it stored, over the defaults. */
export const withDefaults = (stored: Partial<WorkspaceSettings> | null | undefined): WorkspaceSettings => ({ ...DEFAULT_SETTINGS, ...stored });

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  highValueAnnualSpend: 100_000,
  mediumValueAnnualSpend: 10_000,
  newCustomerDays: 90,
  atRiskAfterDays: 60,
  churnedAfterDays: 180,
  highValueContactCap: 6,
  mediumValueContactCap: 2,
  basicValueContactCap: 1,
  contactCapDays: 30,
  ownerFirstWaitSeconds: 60,
  contactCadences: [
    { valueTier: ValueTier.HIGH, dedicatedEveryDays: 30, onlineEveryDays: 7 },
    { valueTier: ValueTier.MEDIUM, dedicatedEveryDays: null, onlineEveryDays: 14 },
    { valueTier: ValueTier.BASIC, dedicatedEveryDays: null, onlineEveryDays: 30 },
  ],
  followUpSampleRate: 0.1,
  careTaskNoticeHours: 1,
  empathyPhrases: [
    '非常理解您的心情',
    '理解您的心情',
    '给您带来不便非常抱歉',
    '给您带来不便',
    '非常抱歉',
    '深表歉意',
    '辛苦您了',
    '感谢您的耐心',
    'I understand how',
    'I understand your',
    'sorry for the trouble',
    'sorry for the inconvenience',
    'I apologize',
    'thank you for your patience',
  ],
  negativeSentimentThreshold: -0.5,
  scoreSentiment: true,
  allowPrivateWebhookUrls: false,
  autoGreeting: false,
  generalResponseHours: 1,
  complexResponseHours: 24,
  majorResponseHours: 48,
  followUpAfterDays: 7,
  autoReplyThreshold: 0.6,
  timezone: 'Asia/Shanghai',
  defaultPhoneRegion: 'CN',
  maskedRoles: [...DEFAULT_MASKED_ROLES],
  personalTraitKeys: ['name', 'firstName', 'lastName', 'email', 'phone', 'mobile', 'address', 'birthday', 'idNumber'],
};
