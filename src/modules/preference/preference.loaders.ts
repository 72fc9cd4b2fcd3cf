import type { Context } from '../../context';
import { Channel, ContactPurpose } from '../../graphql/enums';
import { viewerWorkspace } from '../workspace/workspace.loaders';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import { bestChannel, consentHistory, consentRows, contactProfiles, preferenceRows, responseRates } from './preference.service';
import { careContactabilityAt, contactabilityAt, type ContactProfile } from './contactability.rules';
import type { ConsentChange } from './consent.entity';
import type { Contactability, CustomerPreferences } from './preference.types';

const moments = new WeakMap<object, Date>();

/** One "now" per request (per set of loaders), so every field of a request answers for the same moment and batches together. */
export function requestNow(ctx: Context): Date {
  if (!moments.has(ctx.loaders)) moments.set(ctx.loaders, ctx.clock.now());
  return moments.get(ctx.loaders)!;
}

export const settingsOf = async (ctx: Context): Promise<WorkspaceSettings> => (await viewerWorkspace(ctx)).settings;

export const preferencesOf = (ctx: Context) =>
  ctx.loaders.named<string, CustomerPreferences>('preferencesOf', async (ids) => {
    const [rows, consents] = await Promise.all([
      preferenceRows(ctx.em, ctx.viewer.workspaceId, [...ids]),
      consentRows(ctx.em, ctx.viewer.workspaceId, [...ids]),
    ]);
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

export const historyOf = (ctx: Context) =>
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

export async function contactabilityOf(ctx: Context, customerId: string, channel: Channel, purpose: ContactPurpose, at: Date): Promise<Contactability> {
  const [settings, profile] = await Promise.all([settingsOf(ctx), profileOf(ctx).load({ customerId, at })]);
  return contactabilityAt(profile!, settings, channel, purpose, at);
}

/** May a care contact (a cadence's, a care task's) reach the customer on this channel at `at`: see careContactabilityAt. */
export async function careContactabilityOf(ctx: Context, customerId: string, channel: Channel, at: Date): Promise<Contactability> {
  const [settings, profile] = await Promise.all([settingsOf(ctx), profileOf(ctx).load({ customerId, at })]);
  return careContactabilityAt(profile!, settings, channel, at);
}

/** The channel to use now for a purpose: see `Customer.recommendedChannel`. */
export async function recommendChannel(ctx: Context, customerId: string, purpose: ContactPurpose): Promise<Channel | null> {
  const now = requestNow(ctx);
  const checks = await Promise.all(
    Object.values(Channel).map(async (channel) => [channel, await contactabilityOf(ctx, customerId, channel, purpose, now)] as const),
  );
  const allowed = checks.filter(([, check]) => check.allowed).map(([channel]) => channel);
  if (!allowed.length) return null;
  const [own, preferences, workspace] = await Promise.all([
    responseRatesOf(ctx).load(customerId),
    preferencesOf(ctx).load(customerId),
    workspaceRatesOf(ctx).load(ctx.viewer.workspaceId),
  ]);
  return bestChannel(allowed, own, preferences.preferredChannels, workspace);
}
