import type { ContactTimes } from '../care/cadence.rules';
import { Field, Int, ObjectType } from 'type-graphql';
import { Channel, IdentityType, IngestKind, type LifecycleStage, type ValueTier } from '../../graphql/enums';
import type { Identifier } from '../customer/identifier.rules';
import type { StageRules } from '../lifecycle/lifecycle.rules';
import type { Transition } from '../lifecycle/lifecycle.service';
import type { MembershipChanges } from '../segment/segment.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';

/** Who ingests, where, and when. */
export interface IngestScope {
  workspaceId: string;
  settings: WorkspaceSettings;
  now: Date;
  actorKeyId: string | null;
}

/** What a committed batch leaves to publish, beside the GraphQL result. */
export interface IngestOutcome extends IngestResult {
  transitions: Transition[];
  segmentChanges: MembershipChanges[];
  /** The audit entries the batch wrote (its merges and refused links), for `publishAudits` once committed. */
  auditEntryIds: string[];
}

/** An item that passed validation, with normalised identifiers. */
export interface ValidItem {
  index: number;
  messageId: string;
  kind: IngestKind;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  event: string;
  properties: Record<string, unknown>;
  revenue: number | null;
  channel: Channel | null;
  occurredAt: Date;
  /** occurredAt as ISO text, computed once: it is written into several JSON payloads. */
  occurredAtText: string;
  source: string | null;
}

/** A customer as the linker needs to see it: its age and its values of limited identifier types. */
export interface KnownCustomer {
  id: string;
  createdAt: Date;
  limitedValues: Map<IdentityType, Set<string>>;
}

/** What the linker needs of an item. */
export interface LinkerItem {
  index: number;
  identifiers: Identifier[];
}

/** An identifier of an item that an identity rule kept from linking. */
export interface Unlinked {
  index: number;
  identifier: Identifier;
  reason: string;
}

/** An existing customer absorbed into another, with the identifiers that linked them (`reason` holds their values; `types` only their types). */
export interface Absorbed {
  absorbedId: string;
  survivorId: string;
  reason: string;
  types: IdentityType[];
}

export interface LinkResult {
  /** Customer each item belongs to (an existing id or a new one), by item index. */
  customerOf: Map<number, string>;
  /** Customers to create, oldest first. */
  created: string[];
  /** Existing customers absorbed, each with its survivor. */
  absorbed: Absorbed[];
  /** New identity rows: identifier key -> customer. */
  newIdentities: Map<string, { identifier: Identifier; customerId: string; index: number }>;
  /** Identifiers left unlinked because linking them would break an identity rule. */
  unlinked: Unlinked[];
}

/** A customer row as SQL returns it. */
export interface CustomerRow {
  id: string;
  merged_into_id: string | null;
  display_name: string | null;
  traits: Record<string, unknown>;
  trait_times: Record<string, string>;
  tags: string[];
  total_spend: string | number;
  order_count: number;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  last_purchase_at: Date | string | null;
  erased_at: Date | string | null;
  created_at: Date | string;
  lifecycle_stage: LifecycleStage;
  value_tier: ValueTier;
  first_purchase_at: Date | string | null;
  last_inbound_at: Date | string | null;
  complaint_at: Date | string | null;
  reactivated_at: Date | string | null;
  annual_spend: string | number;
  last_contact_at: Date | string | null;
  last_dedicated_contact_at: Date | string | null;
}

/** What ingestion computes for a customer before writing it back in one statement. */
export interface CustomerState {
  id: string;
  displayName: string | null;
  /** Fallback name when no name trait exists: the first e-mail or phone seen. */
  contact: string | null;
  traits: Record<string, unknown>;
  traitTimes: Record<string, string>;
  tags: string[];
  totalSpend: number;
  orderCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastPurchaseAt: Date | null;
  /** The stage as stored; null for a customer being created. */
  stage: LifecycleStage | null;
  tier: ValueTier;
  firstPurchaseAt: Date | null;
  lastInboundAt: Date | null;
  complaintAt: Date | null;
  reactivatedAt: Date | null;
  annualSpend: number;
  /** When the customer was contacted (the cadence counts from it); null for a customer being created. */
  contacts: ContactTimes | null;
}

/** What folding an item needs to know about lifecycle: the workspace's rules and the spend window. */
export interface FoldRules {
  stages: StageRules;
  spendSince: Date;
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
