import { Channel, type ValueTier } from '../../graphql/enums';
import type { ContactCadence } from '../workspace/workspace-settings.types';

const DAY = 86_400_000;

/** When a customer was last contacted, and since when they have been ours (the clock of a customer never contacted). */
export interface ContactTimes {
  lastContactAt: Date | null;
  lastDedicatedContactAt: Date | null;
  since: Date;
}

/**
 * When the tier's cadence next asks for a contact: the earlier of the next dedicated contact (from
 * the last dedicated one) and the next online touch (from the last contact of any kind, a
 * dedicated one included); null when the tier has no cadence.
 */
export const nextContactDue = (tier: ValueTier, times: ContactTimes, cadences: readonly ContactCadence[]): Date | null =>
  nextContact(tier, times, cadences)?.at ?? null;

/** The next contact the cadence asks for, and whether it is a dedicated one (the owner's call or visit); on a tie, dedicated. */
export function nextContact(tier: ValueTier, times: ContactTimes, cadences: readonly ContactCadence[]): { at: Date; dedicated: boolean } | null {
  const cadence = cadences.find((c) => c.valueTier === tier);
  const dedicated = cadence?.dedicatedEveryDays ? (times.lastDedicatedContactAt ?? times.since).getTime() + cadence.dedicatedEveryDays * DAY : null;
  const online = cadence?.onlineEveryDays ? (times.lastContactAt ?? times.since).getTime() + cadence.onlineEveryDays * DAY : null;
  if (dedicated !== null && (online === null || dedicated <= online)) return { at: new Date(dedicated), dedicated: true };
  return online === null ? null : { at: new Date(online), dedicated: false };
}

/** A contact is dedicated when the customer's owner makes it by phone or in person. */
export const isDedicatedContact = (channel: Channel, byOwner: boolean): boolean => byOwner && (channel === Channel.PHONE || channel === Channel.IN_PERSON);
