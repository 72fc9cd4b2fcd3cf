import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { IdentityType } from '../../graphql/enums';

export interface Identifier {
  type: IdentityType;
  value: string;
  verified?: boolean;
}

export class IdentifierError extends Error {
  constructor(
    readonly code: 'INVALID_IDENTIFIER',
    message: string,
  ) {
    super(message);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The one form an identifier is stored and looked up in: e-mail trimmed and lower-cased, phone in
 * E.164 (numbers without a country code read in `region`), others trimmed. Throws IdentifierError.
 */
export function normaliseIdentifier(identifier: Identifier, region: string): Identifier {
  const raw = identifier.value.trim();
  if (!raw) throw new IdentifierError('INVALID_IDENTIFIER', `${identifier.type} value is empty`);
  if (raw.length > 512) throw new IdentifierError('INVALID_IDENTIFIER', `${identifier.type} value is longer than 512 characters`);
  switch (identifier.type) {
    case IdentityType.EMAIL: {
      const value = raw.toLowerCase();
      if (!EMAIL.test(value)) throw new IdentifierError('INVALID_IDENTIFIER', `"${raw}" is not an e-mail address`);
      return { ...identifier, value };
    }
    case IdentityType.PHONE: {
      const phone = parsePhoneNumberFromString(raw, region as CountryCode);
      if (!phone || !phone.isPossible()) throw new IdentifierError('INVALID_IDENTIFIER', `"${raw}" is not a phone number`);
      return { ...identifier, value: phone.number };
    }
    default:
      return { ...identifier, value: raw };
  }
}

/** Key of an identifier within a workspace, for maps and advisory locks. */
export const identifierKey = (identifier: { type: string; value: string }): string => `${identifier.type}:${identifier.value}`;

/** Masks an identity value for roles that may not see it: a***@example.com, *******8000. */
export function maskIdentifier(type: IdentityType, value: string): string {
  if (type === IdentityType.EMAIL) {
    const [local, domain] = value.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  const visible = Math.min(4, Math.floor(value.length / 3));
  return '*'.repeat(value.length - visible) + value.slice(value.length - visible);
}
