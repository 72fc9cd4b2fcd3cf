import { Field, InputType, Int } from 'type-graphql';
import { IdentityType } from '../../graphql/enums';

@InputType()
export class IdentityRuleInput {
  @Field(() => IdentityType) type!: IdentityType;
  @Field(() => Int, { nullable: true }) maxPerCustomer?: number | null;
  @Field(() => Int, { nullable: true }) priority?: number | null;
  @Field(() => [String], { nullable: true }) blockedValues?: string[] | null;
}
