import { Channel, ContactBlock, ContactPurpose, IdentityType, ValueTier } from '../../graphql/enums';
import type { WorkspaceSettings } from '../workspace/workspace-settings.types';
import type { Contactability } from './preference.types';
import { inWindow, localMinuteOfDay, windowEndAfter } from './local-time.rules';

const DAY = 86_400_000;

/** The identities through which a channel reaches a customer. IN_PERSON is never an outbound channel. */
export const REACHED_THROUGH: Record<Channel, IdentityType[]> = {
  [Channel.EMAIL]: [IdentityType.EMAIL],
  [Channel.SMS]: [IdentityType.PHONE],
  [Channel.PHONE]: [IdentityType.PHONE],
  [Channel.WECHAT]: [IdentityType.WECHAT_OPENID, IdentityType.WECHAT_UNIONID],
  [Channel.APP]: [IdentityType.DEVICE_ID, IdentityType.MEMBER_ID],
  [Channel.WEB_CHAT]: [IdentityType.ANONYMOUS_ID, IdentityType.MEMBER_ID, IdentityType.DEVICE_ID],
  [Channel.SOCIAL]: [IdentityType.EXTERNAL_ID],
  [Channel.IN_PERSON]: [],
};

/** Everything contactability is decided from, for one customer (absorbed customers included). */
export interface ContactProfile {
  erased: boolean;
  tier: ValueTier;
  identityTypes: IdentityType[];
  /** The latest decision per `CHANNEL:PURPOSE`. */
  consents: Map<string, boolean>;
  /** IANA zone: the customer's, else the workspace's. */
  timezone: string;
  quietHours: { start: number; end: number } | null;
  ownCap: { maxContacts: number; perDays: number } | null;
  /** Outbound MARKETING touches, oldest first. */
  marketingTouches: Date[];
}

export const consentKey = (channel: Channel, purpose: ContactPurpose): string => `${channel}:${purpose}`;

export function capOf(profile: ContactProfile, settings: WorkspaceSettings): { maxContacts: number; perDays: number } {
  if (profile.ownCap) return profile.ownCap;
  const maxContacts = {
    [ValueTier.HIGH]: settings.highValueContactCap,
    [ValueTier.MEDIUM]: settings.mediumValueContactCap,
    [ValueTier.BASIC]: settings.basicValueContactCap,
  }[profile.tier];
  return { maxContacts, perDays: settings.contactCapDays };
}

/** When the cap stops blocking a contact at `at`, or null when it does not block. */
function capLiftsAt(profile: ContactProfile, settings: WorkspaceSettings, at: Date): Date | null {
  const { maxContacts, perDays } = capOf(profile, settings);
  const windowStart = at.getTime() - perDays * DAY;
  const inWindowTouches = profile.marketingTouches.filter((touch) => touch.getTime() > windowStart && touch <= at);
  if (inWindowTouches.length < maxContacts) return null;
  // the oldest touch that must leave the window for one more contact to fit (never, for a cap of 0)
  if (maxContacts === 0) return new Date(8.64e15);
  const leaving = inWindowTouches[inWindowTouches.length - maxContacts];
  return new Date(leaving.getTime() + perDays * DAY);
}

function quietUntil(profile: ContactProfile, at: Date): Date | null {
  const quiet = profile.quietHours;
  if (!quiet || !inWindow(localMinuteOfDay(at, profile.timezone), quiet.start, quiet.end)) return null;
  return windowEndAfter(at, profile.timezone, quiet.start, quiet.end);
}

/**
 * May we contact this customer on this channel for this purpose at `at`? SERVICE respects only an
 * explicit refusal and reachability; MARKETING needs granted consent, and respects quiet hours and
 * the frequency cap. `nextAllowedAt` is the earliest moment every time-based block has lifted at
 * once (a cap that lifts inside quiet hours waits for them to end); null when a block never lifts.
 */
export function contactabilityAt(profile: ContactProfile, settings: WorkspaceSettings, channel: Channel, purpose: ContactPurpose, at: Date): Contactability {
  if (profile.erased) return { allowed: false, blockedBy: [ContactBlock.ERASED], nextAllowedAt: null };
  const blockedBy: ContactBlock[] = [];
  const consent = profile.consents.get(consentKey(channel, purpose));
  if (purpose === ContactPurpose.MARKETING ? consent !== true : consent === false) blockedBy.push(ContactBlock.NO_CONSENT);
  if (!REACHED_THROUGH[channel].some((type) => profile.identityTypes.includes(type))) blockedBy.push(ContactBlock.CHANNEL_UNREACHABLE);
  if (purpose === ContactPurpose.SERVICE) return { allowed: blockedBy.length === 0, blockedBy, nextAllowedAt: null };

  const quiet = quietUntil(profile, at);
  const cap = capLiftsAt(profile, settings, at);
  if (quiet) blockedBy.push(ContactBlock.QUIET_HOURS);
  if (cap) blockedBy.push(ContactBlock.FREQUENCY_CAP);
  const timeBound = blockedBy.every((block) => block === ContactBlock.QUIET_HOURS || block === ContactBlock.FREQUENCY_CAP);
  return { allowed: blockedBy.length === 0, blockedBy, nextAllowedAt: blockedBy.length && timeBound ? nextFree(profile, settings, at) : null };
}

/**
 * A proactive care contact (a cadence's, a care task's): blocked as SERVICE is (an explicit
 * refusal, no way to reach them), and by the customer's quiet hours too, till they end.
 */
export function careContactabilityAt(profile: ContactProfile, settings: WorkspaceSettings, channel: Channel, at: Date): Contactability {
  const service = contactabilityAt(profile, settings, channel, ContactPurpose.SERVICE, at);
  const quiet = quietUntil(profile, at);
  if (!quiet) return service;
  return { allowed: false, blockedBy: [...service.blockedBy, ContactBlock.QUIET_HOURS], nextAllowedAt: service.allowed ? quiet : null };
}

/** The first moment neither quiet hours nor the cap block; each lift may land inside the other. */
function nextFree(profile: ContactProfile, settings: WorkspaceSettings, at: Date): Date | null {
  let candidate = at;
  for (let step = 0; step < 8; step++) {
    const later = quietUntil(profile, candidate) ?? capLiftsAt(profile, settings, candidate);
    if (!later) return candidate;
    if (later.getTime() >= 8.64e15) return null;
    candidate = later;
  }
  return null;
}
