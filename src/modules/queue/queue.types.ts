import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class QueueStats {
  @Field(() => Int) waiting!: number;
  @Field(() => Int) assigned!: number;
  @Field(() => Int) longestWaitSeconds!: number;
  @Field(() => Int) averageWaitSeconds!: number;
  @Field(() => Int) agentsOnline!: number;
  @Field(() => Int) breachedToday!: number;
}
