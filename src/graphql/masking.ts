import type { Context } from '../context';
import { IdentityType } from './enums';
import { maskIdentifier } from '../modules/customer/identifier.rules';
import { settingsOf } from '../modules/preference/preference.loaders';

/** Turns a field's value into what a role that sees personal data masked may read. */
export type Mask = (value: unknown, source: Record<string, unknown>, ctx: Context) => unknown;

const EMAIL = /[^\s@<>()[\],;:"']+@[^\s@<>()[\],;:"']+\.[a-z]{2,}/gi;
/** Runs of 6 or more digits, with the spaces, dashes and dots people write phones and id numbers with. */
const NUMBER = /\+?\d(?:[\s.-]?\d){5,}/g;

/** Free text with the e-mail addresses and long numbers (phones, id and card numbers) in it masked. */
export function maskContactDetails(text: string): string {
  return text.replace(EMAIL, (email) => maskIdentifier(IdentityType.EMAIL, email)).replace(NUMBER, (digits) => maskIdentifier(IdentityType.PHONE, digits));
}

/** A name or other personal value: its first character, then one star per remaining character, up to 3. */
const maskName = (text: string): string => `${[...text][0] ?? ''}${'*'.repeat(Math.min(3, Math.max(1, [...text].length - 1)))}`;

/** What a display name shows when masked: an e-mail or a phone masked as identifiers are, a name to its initial. */
export function maskDisplayName(name: string): string {
  if (name.includes('@')) return maskContactDetails(name);
  return /^\+?[\d\s-]{6,}$/.test(name) ? maskIdentifier(IdentityType.PHONE, name) : maskName(name);
}

/** Every string inside a JSON value with its contact details masked. */
function maskJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskContactDetails(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskJson(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskJson(item, depth + 1)]));
}

/** Traits with the values of the workspace's personal keys masked whole, and contact details masked in the others. */
async function maskTraits(traits: unknown, ctx: Context): Promise<unknown> {
  if (!traits || typeof traits !== 'object' || Array.isArray(traits)) return maskJson(traits);
  const personal = new Set((await settingsOf(ctx)).personalTraitKeys.map((key) => key.toLowerCase()));
  return Object.fromEntries(
    Object.entries(traits).map(([key, value]) => [
      key,
      personal.has(key.toLowerCase()) ? (typeof value === 'string' ? maskName(value) : '***') : maskJson(value),
    ]),
  );
}

/** An intake payload (an ingestion item): identifier values masked as identities are, traits as a customer's, the rest as event properties. */
async function maskIngestItem(item: unknown, ctx: Context): Promise<unknown> {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return maskJson(item);
  const { identifiers, traits, occurredAt, ...rest } = item as Record<string, unknown>;
  return {
    ...(maskJson(rest) as object),
    occurredAt,
    identifiers: Array.isArray(identifiers)
      ? identifiers.map((identifier: { type?: unknown; value?: unknown }) => ({
          type: identifier?.type,
          value: typeof identifier?.value === 'string' ? maskIdentifier(identifier.type as IdentityType, identifier.value) : null,
        }))
      : identifiers,
    traits: await maskTraits(traits, ctx),
  };
}

const text =
  (mask: (text: string) => string): Mask =>
  (value) =>
    typeof value === 'string' ? mask(value) : value;
/** Withheld whole: what is left says only how long it was. */
const withheld = text((value) => `[masked: ${[...value].length} characters]`);

/**
 * The fields that carry personal data, with how each is masked for ANALYST keys: identity
 * values, message bodies and rendered templates withheld or masked whole, personal traits and the
 * display name made from them, and contact details inside free text (merge reasons, survey
 * comments, feedback, notes, audit details, event properties).
 */
export const personalFields: Record<string, Mask> = {
  'Identity.value': (value, identity) => (typeof value === 'string' ? maskIdentifier(identity.type as IdentityType, value) : value),
  'Customer.displayName': text(maskDisplayName),
  'Customer.traits': (value, _customer, ctx) => maskTraits(value, ctx),
  'Event.properties': (value) => maskJson(value),
  'CustomerMerge.reason': text(maskContactDetails),
  'Message.body': withheld,
  'RenderedTemplate.text': withheld,
  'Conversation.subject': text(maskContactDetails),
  'Conversation.resolutionNote': text(maskContactDetails),
  'Transfer.note': text(maskContactDetails),
  'SurveyResponse.comment': text(maskContactDetails),
  'FeedbackItem.summary': text(maskContactDetails),
  'CareTask.note': text(maskContactDetails),
  'FeedbackItem.acceptanceCriteria': text(maskContactDetails),
  'FeedbackItem.resolutionNote': text(maskContactDetails),
  'AuditEntry.details': (value) => maskJson(value),
  'IntakeFailure.payload': (value, _failure, ctx) => maskIngestItem(value, ctx),
};
