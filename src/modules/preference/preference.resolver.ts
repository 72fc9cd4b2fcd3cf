import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { Channel, ContactPurpose } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { getWorkspace } from '../workspace/workspace.service';
import type { WorkspaceSettings } from '../workspace/workspace-settings';
import { contactabilityAt, type ContactProfile } from './contactability';
import { ConsentChange } from './consent.entity';
import { bestChannel, consentHistory, consentRows, contactProfiles, customerMetrics, preferenceRows, recordContact, responseRates, setPreferences } from './preference.service';
import { Contactability, CustomerMetrics, CustomerPreferences, PreferencesInput } from './preference.types';

const settingsOf = (ctx: Context): Promise<WorkspaceSettings> =>
  ctx.loaders.named<string, WorkspaceSettings>('workspaceSettings', (ids) => Promise.all(ids.map(async (id) => (await getWorkspace(ctx.em, id)).settings))).load(ctx.viewer.workspaceId);

const preferencesOf = (ctx: Context) =>
  ctx.loaders.named<string, CustomerPreferences>('preferencesOf', async (ids) => {
    const [rows, consents] = await Promise.all([preferenceRows(ctx.em, ctx.viewer.workspaceId, [...ids]), consentRows(ctx.em, ctx.viewer.workspaceId, [...ids])]);
    return ids.map((customerId) => {
      const row = rows.get(customerId);
      return {
        customerId,
        preferredChannels: row?.preferredChannels ?? [],
        language: row?.language ?? null,
        timezone: row?.timezone ?? null,
        quietHours: row?.quietStart && row.quietEnd ? { start: row.quietStart, end: row.quietEnd } : null,
        frequencyCap: row?.capMaxContacts != null && row.capPerDays != null ? { maxContacts: row.capMaxContacts, perDays: row.capPerDays } : null,
        consents: consents.get(customerId) ?? [],
      };
    });
  });

const historyOf = (ctx: Context) =>
  ctx.loaders.named<string, ConsentChange[]>('consentHistory', async (ids) => {
    const history = await consentHistory(ctx.em, ctx.viewer.workspaceId, [...ids]);
    return ids.map((id) => history.get(id) ?? []);
  });

/** Contact profiles by customer at a moment; keys that share the moment are loaded together. */
const profileOf = (ctx: Context) =>
  ctx.loaders.named<{ customerId: string; at: Date }, ContactProfile | undefined>(
    'contactProfile',
    async (keys) => {
      const settings = await settingsOf(ctx);
      const byMoment = new Map<number, string[]>();
      for (const key of keys) byMoment.set(key.at.getTime(), [...(byMoment.get(key.at.getTime()) ?? []), key.customerId]);
      const loaded = new Map<number, Map<string, ContactProfile>>();
      for (const [moment, ids] of byMoment) loaded.set(moment, await contactProfiles(ctx.em, ctx.viewer.workspaceId, settings, ids, new Date(moment)));
      return keys.map((key) => loaded.get(key.at.getTime())!.get(key.customerId));
    },
    (key) => `${key.customerId}@${key.at.getTime()}`,
  );

const responseRatesOf = (ctx: Context) =>
  ctx.loaders.named<string, Map<Channel, number> | undefined>('responseRates', async (ids) => {
    const rates = await responseRates(ctx.em, ctx.viewer.workspaceId, [...ids], ctx.clock.now());
    return ids.map((id) => rates.get(id));
  });

const workspaceRatesOf = (ctx: Context) =>
  ctx.loaders.named<string, Map<Channel, number> | undefined>('workspaceResponseRates', async (ids) => {
    const rates = await responseRates(ctx.em, ctx.viewer.workspaceId, null, ctx.clock.now());
    return ids.map(() => rates.get(''));
  });

async function contactabilityOf(ctx: Context, customerId: string, channel: Channel, purpose: ContactPurpose, at: Date): Promise<Contactability> {
  const [settings, profile] = await Promise.all([settingsOf(ctx), profileOf(ctx).load({ customerId, at })]);
  return contactabilityAt(profile!, settings, channel, purpose, at);
}

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

  @FieldResolver(() => Contactability, { description: 'May we contact this customer on this channel for this purpose now (or at `at`), and if not, why and when?' })
  contactability(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose,
    @Arg('at', () => Date, { nullable: true }) at?: Date | null,
  ): Promise<Contactability> {
    return contactabilityOf(ctx, customer.id, channel, purpose, at ?? ctx.clock.now());
  }

  @FieldResolver(() => Channel, {
    nullable: true,
    description: "The channel to use now: among those allowed, the best response (an inbound reply within 48 hours of a contact) from this customer, then their preference order, then the workspace's best. Null when none is allowed.",
  })
  async recommendedChannel(@Root() customer: Customer, @Ctx() ctx: Context, @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose): Promise<Channel | null> {
    const now = ctx.clock.now();
    const checks = await Promise.all(Object.values(Channel).map(async (channel) => [channel, await contactabilityOf(ctx, customer.id, channel, purpose, now)] as const));
    const allowed = checks.filter(([, check]) => check.allowed).map(([channel]) => channel);
    if (!allowed.length) return null;
    const [own, preferences, workspace] = await Promise.all([responseRatesOf(ctx).load(customer.id), preferencesOf(ctx).load(customer.id), workspaceRatesOf(ctx).load(ctx.viewer.workspaceId)]);
    return bestChannel(allowed, own, preferences.preferredChannels, workspace);
  }
}

@Resolver()
export class PreferenceMutations {
  @Authorized(...may.managePreferences)
  @Mutation(() => CustomerPreferences, { description: 'Sets the preferences the input names (an explicit null clears one) and records consent decisions, with history and audit.' })
  async setPreferences(@Arg('customerId', () => ID) customerId: string, @Arg('input', () => PreferencesInput) input: PreferencesInput, @Ctx() ctx: Context): Promise<CustomerPreferences> {
    const id = await setPreferences(ctx.em, ctx.bus, ctx.viewer, customerId, input, ctx.clock.now());
    return preferencesOf(ctx).load(id);
  }

  @Authorized(...may.managePreferences)
  @Mutation(() => Contactability, { description: 'Counts an outbound contact (MARKETING ones against the frequency cap); answers whether a further contact is allowed now.' })
  async recordContact(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('purpose', () => ContactPurpose) purpose: ContactPurpose,
    @Ctx() ctx: Context,
  ): Promise<Contactability> {
    const now = ctx.clock.now();
    const recorded = await recordContact(ctx.em, ctx.viewer, customerId, channel, purpose, now);
    return typeof recorded === 'string' ? contactabilityOf(ctx, recorded, channel, purpose, now) : recorded;
  }

  @Authorized(...may.readMetrics)
  @Query(() => CustomerMetrics, { description: 'Live customers by lifecycle stage, value tier and preferred channel.' })
  customerMetrics(@Ctx() ctx: Context): Promise<CustomerMetrics> {
    return customerMetrics(ctx.em, ctx.viewer.workspaceId);
  }
}
