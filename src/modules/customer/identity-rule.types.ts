import { Field, Int, ObjectType } from 'type-graphql';
import { IdentityType } from '../../graphql/enums';

@ObjectType({ description: 'How identifiers of one type link customers: Segment-style limits, priority and blocked values.' })
export class IdentityRule {
  @Field(() => IdentityType) type!: IdentityType;

  @Field(() => Int, {
    nullable: true,
    description: 'At most this many values of the type on one customer; a merge that would exceed it is refused and recorded. Null: no limit.',
  })
  maxPerCustomer!: number | null;

  @Field(() => Int, { description: 'Lower numbers win: when a limit would be exceeded, the identifier of lowest priority is the one left unlinked.' })
  priority!: number;

  @Field(() => [String], { description: "Values never used for matching (junk such as 'null', 'unknown', '00000000000')." })
  blockedValues!: string[];
}
