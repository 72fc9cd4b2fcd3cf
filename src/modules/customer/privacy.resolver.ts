import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { requireLiveCustomer } from './customer.loaders';
import { eraseCustomer, exportCustomer } from './privacy.service';
import { CustomerExport } from './privacy.types';

@Resolver()
export class PrivacyResolver {
  @Authorized(...may.administer)
  @Query(() => CustomerExport, { description: 'Everything held on a customer (a data subject access request).' })
  async exportCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CustomerExport> {
    const customer = await requireLiveCustomer(ctx, id);
    return { customer, document: await exportCustomer(ctx.em, ctx.viewer.workspaceId, customer.id) };
  }

  @Authorized(...may.administer)
  @Mutation(() => Boolean, { description: 'Erases the customer; its identifiers are refused (SUPPRESSED) from then on.' })
  async eraseCustomer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await eraseCustomer(ctx.em, ctx.viewer, id, ctx.clock.now());
    return true;
  }
}
