import { Field, ID, InterfaceType } from 'type-graphql';

/** Relay's Node: anything with an id that `node(id:)` can fetch. */
@InterfaceType()
export abstract class Node {
  @Field(() => ID)
  id!: string;
}
