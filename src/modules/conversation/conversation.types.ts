import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import { Conversation } from './conversation.entity';
import { Message } from './message.entity';

export const { Connection: ConversationConnection } = connectionTypes(Conversation, { totalCount: true });
export const { Connection: MessageConnection } = connectionTypes(Message);

@ObjectType()
export class ConversationEvent {
  @Field(() => Conversation) conversation!: Conversation;
  @Field({ description: 'What happened: OPENED, MESSAGE, ASSIGNED, TRANSFERRED, STATUS, SLA.' }) kind!: string;
  @Field(() => Message, { nullable: true }) message?: Message | null;
  @Field() at!: Date;
}
