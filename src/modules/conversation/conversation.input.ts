import { Field, ID, InputType } from 'type-graphql';
import { AuthorKind, Channel, MessageDirection, Priority } from '../../graphql/enums';
import { IdentifierInput } from '../ingestion/ingestion.input';

@InputType()
export class OpenConversationInput {
  @Field(() => ID, { nullable: true, description: 'The customer, by id or by any identifier (resolved like ingestion).' })
  customerId?: string;

  @Field(() => [IdentifierInput], { nullable: true }) identifiers?: IdentifierInput[];
  @Field(() => Channel) channel!: Channel;
  @Field({ nullable: true }) subject?: string;
  @Field({ nullable: true }) topic?: string;
  @Field() body!: string;
  @Field(() => Priority, { nullable: true }) priority?: Priority;
  @Field(() => [String], { nullable: true }) requiredSkills?: string[];
  @Field(() => ID, { nullable: true }) queueId?: string;
}

@InputType()
export class PostMessageInput {
  @Field(() => ID) conversationId!: string;
  @Field() body!: string;
  @Field(() => MessageDirection) direction!: MessageDirection;
  @Field(() => AuthorKind) author!: AuthorKind;
  @Field(() => Channel, { nullable: true }) channel?: Channel;
  @Field(() => ID, { nullable: true }) agentId?: string;
}

@InputType()
export class TransferInput {
  @Field(() => ID) conversationId!: string;
  @Field(() => ID, { nullable: true }) toQueueId?: string;
  @Field(() => ID, { nullable: true }) toAgentId?: string;
  @Field(() => Channel, { nullable: true }) toChannel?: Channel;
  @Field({ nullable: true }) note?: string;
}
