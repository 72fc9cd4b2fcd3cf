import { Field, ID, InputType, Int } from 'type-graphql';
import { Channel, SurveyKind } from '../../graphql/enums';
import { IdentifierInput } from '../ingestion/ingestion.input';

@InputType()
export class SubmitSurveyInput {
  @Field(() => ID, { nullable: true }) customerId?: string | null;
  @Field(() => [IdentifierInput], {
    nullable: true,
    description: 'Instead of customerId: the customer these identifiers belong to, found or created as identify does.',
  })
  identifiers?: IdentifierInput[] | null;
  @Field(() => ID, { nullable: true }) conversationId?: string | null;
  @Field(() => SurveyKind) kind!: SurveyKind;
  @Field(() => Int) score!: number;
  @Field(() => String, { nullable: true }) comment?: string | null;
  @Field(() => Channel, { nullable: true }) channel?: Channel | null;
}
