import { randomUUID } from 'node:crypto';
import { Channel, IdentityType, IngestKind } from '../../graphql/enums';
import { IdentifierError, identifierKey, normaliseIdentifier, type Identifier } from '../customer/identifier.rules';
import type { IngestEventInput } from '../ingestion/ingestion.input';

/** Segment's limits: a call, or an event inside a batch, and a whole batch request. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
/** A workspace's intake is split into this many shards by identifier, each drained in order. */
export const SHARDS = 8;

export const SEGMENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** A call of Segment's HTTP Tracking API, as its SDKs send it (the fields this maps; the rest is ignored). */
export interface SegmentMessage {
  type?: unknown;
  messageId?: unknown;
  userId?: unknown;
  anonymousId?: unknown;
  previousId?: unknown;
  groupId?: unknown;
  event?: unknown;
  name?: unknown;
  category?: unknown;
  traits?: unknown;
  properties?: unknown;
  context?: unknown;
  timestamp?: unknown;
  originalTimestamp?: unknown;
  sentAt?: unknown;
}

/** An accepted call, ready for the intake table: the ingestion item, or the reason it cannot become one (a dead letter from the start). */
export interface IntakeRow {
  messageId: string;
  shard: number;
  occurredAt: Date;
  keys: string[];
  item: IngestEventInput;
  error: { code: string; message: string } | null;
}

/**
 * Maps one Segment call to the ingestion item it stands for (the README's table): userId ->
 * EXTERNAL_ID, anonymousId -> ANONYMOUS_ID, e-mail and phone traits -> EMAIL and PHONE; page and
 * screen are `page_viewed` / `screen_viewed` events, "Order Completed" the purchase `order_completed`; group sets the `account` trait; alias links
 * previousId (as an ANONYMOUS_ID) to userId. The time is corrected for the client's clock as
 * Segment does: receivedAt - (sentAt - timestamp).
 */
export function toIntakeRow(message: SegmentMessage, type: SegmentType, receivedAt: Date, batchSentAt: unknown, phoneRegion: string): IntakeRow {
  const messageId = text(message.messageId) ?? `intake-${randomUUID()}`;
  const context = objectOr(message.context);
  const contextTraits = objectOr(context.traits);
  const traits = objectOr(message.traits);
  const properties = objectOr(message.properties);
  const userId = text(message.userId);
  const anonymousId = text(message.anonymousId);
  const previousId = text(message.previousId);

  const identifiers: Identifier[] = [];
  if (userId) identifiers.push({ type: IdentityType.EXTERNAL_ID, value: userId });
  if (anonymousId) identifiers.push({ type: IdentityType.ANONYMOUS_ID, value: anonymousId });
  if (type === 'alias' && previousId) identifiers.push({ type: IdentityType.ANONYMOUS_ID, value: previousId });
  const email = text(traits.email) ?? text(contextTraits.email);
  const phone = text(traits.phone) ?? text(contextTraits.phone);
  if (email) identifiers.push({ type: IdentityType.EMAIL, value: email });
  if (phone) identifiers.push({ type: IdentityType.PHONE, value: phone });

  const originalTimestamp = time(message.originalTimestamp) ?? time(message.timestamp);
  const sentAt = time(message.sentAt) ?? time(batchSentAt);
  const occurredAt =
    originalTimestamp && sentAt ? new Date(receivedAt.getTime() - (sentAt.getTime() - originalTimestamp.getTime())) : (originalTimestamp ?? receivedAt);
  const segment = {
    type,
    originalTimestamp: originalTimestamp?.toISOString() ?? null,
    sentAt: sentAt?.toISOString() ?? null,
    receivedAt: receivedAt.toISOString(),
  };

  const item: IngestEventInput = {
    messageId,
    kind: IngestKind.TRACK,
    identifiers,
    channel: channelOf(context.channel),
    source: text(objectOr(context.library).name) ?? 'segment',
    occurredAt,
  };
  let error: IntakeRow['error'] = null;
  switch (type) {
    case 'identify':
    case 'alias':
      item.kind = IngestKind.IDENTIFY;
      item.traits = { ...contextTraits, ...traits };
      break;
    case 'group':
      item.kind = IngestKind.IDENTIFY;
      item.traits = { account: { ...traits, id: text(message.groupId) ?? null } };
      break;
    case 'track':
      item.event = eventName(text(message.event));
      item.properties = { ...properties, _segment: segment };
      item.revenue = amount(properties.revenue) ?? amount(properties.total);
      if (!item.event) error = { code: 'MISSING_EVENT', message: 'a track call needs an event name' };
      break;
    case 'page':
    case 'screen':
      item.event = `${type}_viewed`;
      item.properties = { ...properties, name: text(message.name) ?? null, category: text(message.category) ?? null, _segment: segment };
      break;
  }
  if (!userId && !anonymousId) error ??= { code: 'NO_IDENTIFIERS', message: 'a call needs a userId or an anonymousId' };
  if (type === 'alias' && (!userId || !previousId)) error ??= { code: 'NO_IDENTIFIERS', message: 'an alias call needs a userId and a previousId' };
  return { messageId, shard: shardOf(userId ?? anonymousId ?? messageId), occurredAt, keys: keysOf(identifiers, phoneRegion), item, error };
}

/** Segment's e-commerce spec names a purchase "Order Completed": here that is the purchase event, `order_completed`. */
const eventName = (name: string | undefined): string | undefined => (name && /^order[\s_-]*completed$/i.test(name) ? 'order_completed' : name);

/** The identifiers' keys as ingestion stores them (normalised; a value that cannot be is kept as sent), for erasure. */
function keysOf(identifiers: Identifier[], region: string): string[] {
  return identifiers.map((identifier) => {
    try {
      return identifierKey(normaliseIdentifier(identifier, region));
    } catch (error) {
      if (error instanceof IdentifierError) return identifierKey(identifier);
      throw error;
    }
  });
}

/** Which shard a routing identifier's events go to: one identifier's events stay in one shard, in order. */
function shardOf(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return Math.abs(hash) % SHARDS;
}

/** Segment's context.channel (browser, mobile, server) or one of ours by name. */
function channelOf(value: unknown): Channel | undefined {
  const name = text(value)?.toUpperCase();
  if (!name) return undefined;
  if (name === 'BROWSER') return Channel.WEB_CHAT;
  if (name === 'MOBILE') return Channel.APP;
  return (Object.values(Channel) as string[]).includes(name) ? (name as Channel) : undefined;
}

const text = (value: unknown): string | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
};

const objectOr = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const time = (value: unknown): Date | undefined => {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
};

const amount = (value: unknown): number | undefined => {
  const number = typeof value === 'string' && value.trim() ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
};
