import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { Channel, ContactPurpose } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { ConsentChange } from './consent.entity';
import { contactabilityOf, historyOf, preferencesOf, recommendChannel, requestNow, settingsOf } from './preference.loaders';
import { recordContact, setPreferences } from './preference.service';
import { Contactability, CustomerPreferences } from './preference.types';
import { PreferencesInput } from './preference.input';

@Resolver(() => Customer)
export class PreferenceResolver {
  @FieldResolver(() => CustomerPreferences)
  preferences(@Root() customer: Customer, @Ctx() ctx: Context): Promise<CustomerPreferences> {
    return preferencesOf(ctx).load(customer.id);
  }

  @FieldResolver(() => [ConsentChange], { description: 'Every consent decision, newest first, with its source.' })
  consentHistory(@Root() customer: Customer, @Ctx() ctx: Context): Promise<ConsentChange[]> {
    return historyOf(ctx).load(customer.id);
  }

  @FieldResolver(() => Contactability, {
    description: 'May we contact this customer on this channel for this purpose now (or at `at`), and if not, why and when?',
  })
  contactability(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose,
    @Arg('at', () => Date, { nullable: true }) at?: Date | null,
  ): Promise<Contactability> {
    return contactabilityOf(ctx, customer.id, channel, purpose, at ?? requestNow(ctx));
  }

  @FieldResolver(() => Channel, {
    nullable: true,
    description:
      "The channel to use now: among those allowed, the best response (an inbound reply within 48 hours of a contact) from this customer, then their preference order, then the workspace's best. Null when none is allowed.",
  })
  recommendedChannel(@Root() customer: Customer, @Ctx() ctx: Context, @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose): Promise<Channel | null> {
    return recommendChannel(ctx, customer.id, purpose);
  }
}

@Resolver()
export class PreferenceMutations {
  @Authorized(...may.managePreferences)
  @Mutation(() => CustomerPreferences, {
    description: 'Sets the preferences the input names (an explicit null clears one) and records consent decisions, with history and audit.',
  })
  async setPreferences(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('input', () => PreferencesInput) input: PreferencesInput,
    @Ctx() ctx: Context,
  ): Promise<CustomerPreferences> {
    const id = await setPreferences(ctx.em, ctx.bus, ctx.viewer, customerId, input, ctx.clock.now());
    return preferencesOf(ctx).load(id);
  }

  @Authorized(...may.managePreferences)
  @Mutation(() => Contactability, {
    description:
      "Counts an outbound contact (MARKETING ones against the frequency cap, every one for the tier's cadence) and carries out the earliest due care task on its channel; answers whether a further contact is allowed now.",
  })
  async recordContact(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose,
    @Ctx() ctx: Context,
    @Arg('agentId', () => ID, { nullable: true, description: "Who made the contact: the customer's owner by PHONE or IN_PERSON makes it a dedicated one." })
    agentId?: string,
  ): Promise<Contactability> {
    const now = ctx.clock.now();
    const recorded = await recordContact(ctx.em, ctx.viewer, await settingsOf(ctx), customerId, { channel, purpose, agentId: agentId ?? null }, now);
    return typeof recorded === 'string' ? contactabilityOf(ctx, recorded, channel, purpose, now) : recorded;
  }
}
