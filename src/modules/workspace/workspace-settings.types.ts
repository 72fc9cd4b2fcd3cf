import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DEFAULT_MASKED_ROLES } from '../../graphql/auth';
import { Role } from '../../graphql/enums';

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
