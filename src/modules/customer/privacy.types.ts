import { Field, ObjectType } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars';
import { Customer } from './customer.entity';

@ObjectType()
export class CustomerExport {
  @Field(() => Customer) customer!: Customer;
  @Field(() => JSONScalar, { description: 'Everything held about the customer, as one JSON document.' })
  document!: Record<string, unknown>;
}
