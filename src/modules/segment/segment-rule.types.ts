import type { Channel, CompareOp, ContactPurpose, CustomerField, IdentityType, SurveyKind } from '../../graphql/enums';
import type { SegmentRuleInput } from './segment-rule.input';

/** The stored (JSON) form of a rule: the input, without GraphQL's class instances. */
export type Rule = {
  and?: Rule[];
  or?: Rule[];
  not?: Rule;
  field?: { field: CustomerField; op: CompareOp; value?: unknown };
  trait?: { key: string; op: CompareOp; value?: unknown };
  identity?: { type: IdentityType; exists: boolean };
  event?: {
    name: string;
    where?: { key: string; op: CompareOp; value?: unknown }[];
    within?: { days: number };
    count?: { op: CompareOp; value: number };
    revenueSum?: { op: CompareOp; value: number };
  };
  consent?: { channel: Channel; purpose: ContactPurpose; granted: boolean };
  conversation?: { channel?: Channel; within?: { days: number }; count: { op: CompareOp; value: number } };
  survey?: { kind: SurveyKind; score: { op: CompareOp; value: number }; within?: { days: number } };
  segment?: { segmentId: string; member: boolean };
  contact?: { within: { days: number }; contacted: boolean };
  sentiment?: { below: number; within?: { days: number } };
};

/** Drops GraphQL's undefined keys so the rule is plain JSON. */
export const toRule = (input: SegmentRuleInput): Rule => JSON.parse(JSON.stringify(input)) as Rule;
