import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { IngestKind } from '../../graphql/enums';
import { JSONScalar } from '../../graphql/scalars';
import { readSettings } from '../workspace/workspace-settings.service';
import { Customer } from '../customer/customer.entity';
import { requireLiveCustomer } from '../customer/customer.loaders';
import { IdentifierInput, IngestEventInput } from './ingestion.input';
import { IngestResult } from './ingestion.types';
import { ingest, publishIngested } from './ingestion.service';
import type { IngestScope } from './ingestion.types';
import { loadRules, setIdentityRule } from '../customer/identity-rule.service';
import { IdentityRule } from '../customer/identity-rule.types';
import { IdentityRuleInput } from '../customer/identity-rule.input';
import { uuidv7 } from '../../db/ids';
import { IngestionErrors } from './ingestion.errors';

@Resolver()
export class IngestResolver {
  @Authorized(...may.ingest)
  @Mutation(() => IngestResult, { description: 'Applies up to 1,000 IDENTIFY/TRACK items; invalid items are reported, the others applied.' })
  async ingest(@Arg('events', () => [IngestEventInput]) events: IngestEventInput[], @Ctx() ctx: Context): Promise<IngestResult> {
    const result = await ingest(ctx.em, await this.scope(ctx), events);
    await publishIngested(ctx.bus, ctx.viewer.workspaceId, result);
    return result;
  }

  @Authorized(...may.ingest)
  @Mutation(() => Customer, {
    description: 'Finds or creates the one customer these identifiers belong to (merging if they point at several) and sets traits.',
  })
  async identify(
    @Arg('identifiers', () => [IdentifierInput]) identifiers: IdentifierInput[],
    @Arg('traits', () => JSONScalar, { nullable: true }) traits: unknown,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    const result = await ingest(ctx.em, await this.scope(ctx), [{ messageId: `identify-${uuidv7()}`, kind: IngestKind.IDENTIFY, identifiers, traits }]);
    await publishIngested(ctx.bus, ctx.viewer.workspaceId, result);
    const [error] = result.errors;
    if (error) throw IngestionErrors.itemRefused(error);
    return requireLiveCustomer(ctx, result.customerOf.get(0)!);
  }

  @Authorized(...may.readCustomers)
  @Query(() => [IdentityRule])
  async identityRules(@Ctx() ctx: Context): Promise<IdentityRule[]> {
    return [...(await loadRules(ctx.em)).values()].sort((a, b) => a.priority - b.priority);
  }

  @Authorized(...may.administer)
  @Mutation(() => IdentityRule)
  setIdentityRule(@Arg('input', () => IdentityRuleInput) input: IdentityRuleInput, @Ctx() ctx: Context): Promise<IdentityRule> {
    return setIdentityRule(ctx.em, ctx.bus, ctx.viewer, input);
  }

  private async scope(ctx: Context): Promise<IngestScope> {
    const settings = await readSettings(ctx.em, ctx.viewer.workspaceId);
    return { workspaceId: ctx.viewer.workspaceId, settings, now: ctx.clock.now(), actorKeyId: ctx.viewer.keyId };
  }
}
