import { Channel } from '../../graphql/enums';

/** `{{ path }}` or `{{ path | fallback }}`; paths are customer.<field> or traits.<key>. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*(?:\.[^\s|{}]+)+)\s*(?:\|\s*([^{}]*?)\s*)?\}\}/g;

export const CUSTOMER_FIELDS = ['displayName', 'lifecycleStage', 'valueTier', 'totalSpend', 'orderCount'] as const;

/** The placeholders a body uses that name nothing a customer has. */
export function unknownPlaceholders(body: string): string[] {
  return [...body.matchAll(PLACEHOLDER)]
    .map((match) => match[1])
    .filter((path) => {
      const [root, ...rest] = path.split('.');
      if (root === 'traits') return rest.length === 0;
      return root !== 'customer' || rest.length !== 1 || !(CUSTOMER_FIELDS as readonly string[]).includes(rest[0]);
    });
}

export interface Subject {
  customer: Record<(typeof CUSTOMER_FIELDS)[number], unknown>;
  traits: Record<string, unknown>;
}

const valueAt = (subject: Subject, path: string): unknown => {
  const [root, ...rest] = path.split('.');
  if (root === 'customer') return subject.customer[rest[0] as (typeof CUSTOMER_FIELDS)[number]];
  let value: unknown = subject.traits;
  for (const key of rest)
    value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  return value;
};

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);

/**
 * Fills the placeholders in one pass: values are inserted as plain text (nothing is evaluated,
 * nothing is HTML-escaped, and a value that itself looks like a placeholder stays as it is).
 */
export function render(body: string, subject: Subject): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = body.replace(PLACEHOLDER, (_whole, path: string, fallback: string | undefined) => {
    const value = valueAt(subject, path);
    if (value !== undefined && value !== null && value !== '') return asText(value);
    if (fallback !== undefined) return fallback;
    missing.add(path);
    return '';
  });
  return { text, missing: [...missing] };
}

const GSM_BASIC = new Set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/** Characters a channel's single message holds: SMS 160 in the GSM alphabet (extension characters count twice), else 70 (UCS-2: Chinese). */
export function lengthFor(channel: Channel, text: string): { length: number; limit: number | null } {
  if (channel !== Channel.SMS) return { length: [...text].length, limit: null };
  const chars = [...text];
  if (chars.every((char) => GSM_BASIC.has(char) || GSM_EXTENDED.has(char))) {
    return { length: chars.reduce((sum, char) => sum + (GSM_EXTENDED.has(char) ? 2 : 1), 0), limit: 160 };
  }
  return { length: text.length, limit: 70 };
}
