import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { parsePage, type Connection } from '../../graphql/connection';
import { CustomerSort, IdentityType } from '../../graphql/enums';
import { getWorkspace } from '../workspace/workspace.service';
import { CustomerMerge } from './customer-merge.entity';
import { Customer } from './customer.entity';
import { CustomerConnection, EventConnection } from './customer.types';
import { isKeyset } from '../../graphql/keyset';
import { changeTags, customerIdByIdentity, listCustomers } from './customer.service';
import { eventsOf, identitiesOf, liveCustomer, mergesOf, readCustomerAhead, requireLiveCustomer } from './customer.loaders';
import { selectedFields } from '../../graphql/selection';
import { Event } from './event.entity';
import { Identity } from './identity.entity';
import { CustomerFilter } from './customer.input';

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(...may.readCustomers)
  @Query(() => Customer, { nullable: true, description: 'A customer by id; the id of a customer merged into another answers the survivor.' })
  customer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Customer | null> {
    return readCustomerAhead(ctx, id, selectedFields(info));
  }

  @Authorized(...may.readCustomers)
  @Query(() => Customer, { nullable: true, description: 'The customer an identifier belongs to; the value is normalised first.' })
  async customerByIdentity(@Arg('type', () => IdentityType) type: IdentityType, @Arg('value') value: string, @Ctx() ctx: Context): Promise<Customer | null> {
    const workspace = await getWorkspace(ctx.em, ctx.viewer.workspaceId);
    const id = await customerIdByIdentity(ctx.em, ctx.viewer.workspaceId, workspace.settings.defaultPhoneRegion, type, value);
    return id ? liveCustomer(ctx).load(id) : null;
  }

  @Authorized(...may.readCustomers)
  @Query(() => CustomerConnection)
  customers(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => CustomerFilter, { nullable: true }) filter?: CustomerFilter,
    @Arg('sort', () => CustomerSort, { nullable: true }) sort?: CustomerSort,
  ): Promise<Connection<Customer>> {
    return listCustomers(ctx.em, ctx.viewer.workspaceId, { first, after, filter, sort, wholeValues: ctx.viewer.masked });
  }

  @Authorized(...may.tagCustomers)
  @Mutation(() => Customer)
  async tagCustomer(@Arg('id', () => ID) id: string, @Arg('tags', () => [String]) tags: string[], @Ctx() ctx: Context): Promise<Customer> {
    return requireLiveCustomer(ctx, await changeTags(ctx.em, ctx.bus, ctx.viewer, id, tags, true));
  }

  @Authorized(...may.tagCustomers)
  @Mutation(() => Customer)
  async untagCustomer(@Arg('id', () => ID) id: string, @Arg('tags', () => [String]) tags: string[], @Ctx() ctx: Context): Promise<Customer> {
    return requireLiveCustomer(ctx, await changeTags(ctx.em, ctx.bus, ctx.viewer, id, tags, false));
  }

  @FieldResolver(() => [Identity])
  identities(@Root() customer: Customer, @Ctx() ctx: Context): Promise<Identity[]> {
    return identitiesOf(ctx).load(customer.id);
  }

  @FieldResolver(() => EventConnection)
  events(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('type', () => String, { nullable: true }) type?: string,
  ): Promise<Connection<Event>> {
    parsePage(first, after, isKeyset('time'));
    return eventsOf(ctx).load({ customerId: customer.id, first, after, type });
  }

  @FieldResolver(() => [CustomerMerge])
  merges(@Root() customer: Customer, @Ctx() ctx: Context): Promise<CustomerMerge[]> {
    return mergesOf(ctx).load(customer.id);
  }
}
