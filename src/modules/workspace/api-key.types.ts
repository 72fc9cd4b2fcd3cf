import { Field, ObjectType } from 'type-graphql';
import { ApiKey } from './api-key.entity';

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey!: ApiKey;

  @Field({ description: 'The full secret. Returned once; only a hash is stored.' })
  secret!: string;
}
