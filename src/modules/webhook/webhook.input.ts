import { Field, InputType } from 'type-graphql';
import { WebhookTopic } from '../../graphql/enums';

@InputType()
export class WebhookInput {
  @Field() url!: string;
  @Field(() => [WebhookTopic]) topics!: WebhookTopic[];
  @Field({ nullable: true }) active?: boolean;
}
