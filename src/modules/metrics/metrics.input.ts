import { Field, InputType } from 'type-graphql';

@InputType()
export class TimeRangeInput {
  @Field() from!: Date;
  @Field() to!: Date;
}
