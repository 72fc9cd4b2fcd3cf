import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import { Channel } from '../../graphql/enums';
import { Contactability } from '../preference/preference.types';
import { CareTask } from './care-task.entity';

export const { Connection: CareTaskConnection } = connectionTypes(CareTask, { totalCount: true });

@ObjectType({ description: "The contact a customer's tier cadence asks for next, and when it may happen." })
export class DueContact {
  @Field({ description: 'When the cadence asks for it.' }) dueAt!: Date;
  @Field({ description: "A dedicated contact: the owner's call or visit." }) dedicated!: boolean;
  @Field(() => Channel, {
    nullable: true,
    description: 'PHONE for a dedicated contact, else the channel recommended for service; null when none reaches them.',
  })
  channel!: Channel | null;
  @Field(() => Contactability, { nullable: true, description: 'Whether a care contact on that channel may happen at the later of dueAt and now.' })
  contactability!: Contactability | null;
  @Field(() => Date, {
    nullable: true,
    description: 'The first moment it may happen: the later of dueAt and now, or after quiet hours end; null when it may not happen at all.',
  })
  recommendedAt!: Date | null;
}
