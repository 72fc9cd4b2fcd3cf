import { Field, Int, ObjectType } from 'type-graphql';
import { QueueChange, SlaState } from '../../graphql/enums';
import { Conversation } from '../conversation/conversation.entity';
import { Queue } from './queue.entity';

@ObjectType()
export class QueueStats {
  @Field(() => Int) waiting!: number;
  @Field(() => Int) assigned!: number;
  @Field(() => Int) longestWaitSeconds!: number;
  @Field(() => Int) averageWaitSeconds!: number;
  @Field(() => Int) agentsOnline!: number;
  @Field(() => Int) breachedToday!: number;
}

@ObjectType()
export class QueueEvent {
  @Field(() => Queue) queue!: Queue;
  @Field(() => QueueChange) change!: QueueChange;
  @Field(() => Conversation, { nullable: true }) conversation?: Conversation | null;
  @Field(() => QueueStats) stats!: QueueStats;
  @Field() at!: Date;
}

@ObjectType()
export class SlaAlert {
  @Field(() => Conversation) conversation!: Conversation;
  @Field(() => SlaState) state!: SlaState;
  @Field({ description: 'FIRST_RESPONSE or RESOLUTION.' }) target!: string;
  @Field() dueAt!: Date;
  @Field() at!: Date;
}
