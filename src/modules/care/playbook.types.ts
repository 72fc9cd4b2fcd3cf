import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Channel, Scene } from '../../graphql/enums';

@ObjectType({ description: 'One step of a playbook: a care task due some hours after the trigger.' })
export class PlaybookStep {
  @Field() name!: string;
  @Field(() => Float, { description: 'Hours after the trigger by which the step is due.' }) dueAfterHours!: number;
  @Field(() => Scene) scene!: Scene;
  @Field(() => Channel, { nullable: true }) channel!: Channel | null;
  @Field(() => Float, { nullable: true, description: "Repeat until the trigger's subject is settled (a complaint's daily update), in hours." })
  repeatEveryHours!: number | null;
}

@ObjectType({ description: "How a playbook's tasks went: done, done by their due time, open past it." })
export class PlaybookStats {
  @Field(() => Int) tasks!: number;
  @Field(() => Int) done!: number;
  @Field(() => Int) doneOnTime!: number;
  @Field(() => Int) overdue!: number;
  @Field(() => Float, { nullable: true, description: 'doneOnTime / done; null before any is done.' }) onTimeRate!: number | null;
}
