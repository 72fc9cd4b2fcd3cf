import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { Channel } from '../../graphql/enums';

@InputType()
export class CreateQueueInput {
  @Field() name!: string;
  @Field(() => [Channel]) channels!: Channel[];
  @Field(() => [String], { nullable: true }) skills?: string[];
  @Field(() => ID, { nullable: true }) slaPolicyId?: string;
}

@InputType()
export class CreateAgentInput {
  @Field() name!: string;
  @Field({ nullable: true }) email?: string;
  @Field(() => [String]) skills!: string[];
  @Field(() => Int) maxConcurrent!: number;
  @Field(() => [ID], { nullable: true }) queueIds?: string[];
  @Field({ nullable: true, description: 'Takes dedicated (VIP) customers as their owner.' }) dedicated?: boolean;
}

@InputType()
export class UpdateAgentInput {
  @Field({ nullable: true }) name?: string;
  @Field(() => Int, { nullable: true }) maxConcurrent?: number;
  @Field({ nullable: true, description: "Ending it hands the agent's customers on to the other dedicated agents." }) dedicated?: boolean;
}

@InputType()
export class CreateSlaPolicyInput {
  @Field() name!: string;
  @Field(() => Int) firstResponseSeconds!: number;
  @Field(() => Int) resolutionSeconds!: number;
  @Field(() => Float, { nullable: true, description: 'Share of a target (0..1) after which a conversation is AT_RISK; 0.8 when unset.' })
  warnAt?: number;
  @Field({ nullable: true, description: 'A breach escalates the conversation once; off when unset.' }) escalateOnBreach?: boolean;
}
