import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import type { Rule } from './segment-rule.types';
import { SegmentMembershipEvent, Segment } from './segment.entity';

export const { Connection: SegmentMembershipEventConnection } = connectionTypes(SegmentMembershipEvent);

@ObjectType()
export class SegmentPreview {
  @Field(() => Int) count!: number;
  rule!: Rule;
  where!: string;
  params!: unknown[];
}

@ObjectType()
export class SegmentRefreshResult {
  @Field(() => Segment) segment!: Segment;
  @Field(() => Int) entered!: number;
  @Field(() => Int) exited!: number;
  @Field(() => Int) durationMs!: number;
}
