import { Field, ID, ObjectType } from 'type-graphql';
import { Priority } from '../../graphql/enums';
import { connectionTypes } from '../../graphql/connection';
import { Conversation } from './conversation.entity';
import { Message } from './message.entity';

export const { Connection: ConversationConnection } = connectionTypes(Conversation, { totalCount: true });
export const { Connection: MessageConnection } = connectionTypes(Message);

@ObjectType()
export class ConversationEvent {
  @Field(() => Conversation) conversation!: Conversation;
  @Field({ description: 'What happened: OPENED, MESSAGE, ASSIGNED, TRANSFERRED, ESCALATED, STATUS, SLA.' }) kind!: string;
  @Field(() => Message, { nullable: true }) message?: Message | null;
  @Field() at!: Date;
}

@ObjectType({ description: 'A conversation escalated (升级): its priority one step up, maybe to another queue.' })
export class Escalation {
  @Field() reason!: string;
  @Field(() => Priority) fromPriority!: Priority;
  @Field(() => Priority) toPriority!: Priority;
  @Field(() => ID, { nullable: true }) fromQueueId!: string | null;
  @Field(() => ID, { nullable: true }) toQueueId!: string | null;
  @Field({ description: 'True when the SLA breach escalated it, not a person.' }) automatic!: boolean;
  @Field() at!: Date;
}
