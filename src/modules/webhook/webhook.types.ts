import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../graphql/connection';
import { Webhook, WebhookDelivery } from './webhook.entity';

export const { Connection: WebhookDeliveryConnection } = connectionTypes(WebhookDelivery);

@ObjectType()
export class CreatedWebhook {
  @Field(() => Webhook) webhook!: Webhook;
  @Field({ description: 'The signing secret, shown once.' }) secret!: string;
}
