import { Field, ObjectType } from 'type-graphql';
import { Customer } from '../customer/customer.entity';
import { LifecycleTransition } from './lifecycle-transition.entity';

@ObjectType()
export class LifecycleChange {
  @Field(() => Customer) customer!: Customer;
  @Field(() => LifecycleTransition) transition!: LifecycleTransition;
}
