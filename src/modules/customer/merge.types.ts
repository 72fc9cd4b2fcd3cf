import { Field, ObjectType } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars';
import { Customer } from './customer.entity';

@ObjectType()
export class MergePreview {
  @Field(() => Customer) survivor!: Customer;
  @Field(() => Customer) absorbed!: Customer;
  @Field(() => JSONScalar, { description: 'Trait keys whose values differ, with the value that would win.' })
  conflicts!: Record<string, unknown>;
  @Field(() => [String], { description: 'Identity rules the merge would break; a merge with any is refused.' })
  violations!: string[];
}
