import type { EntityManager } from '@mikro-orm/postgresql';
import { IngestionErrors } from './ingestion.errors';
import type { IdentityType } from '../../graphql/enums';
import { IngestKind } from '../../graphql/enums';
import { IdentifierError, normaliseIdentifier, type Identifier } from '../customer/identifier.rules';
import { isBlocked } from '../customer/identity-rule.rules';
import type { IdentityRule } from '../customer/identity-rule.types';
import { loadRules } from '../customer/identity-rule.service';
import type { IngestEventInput } from './ingestion.input';
import type { IngestItemError } from './ingestion.types';
import type { IngestScope, ValidItem } from './ingestion.types';

export const MAX_BATCH = 1000;

/** Validates a batch, without writing: the items to apply, the errors of the others, and the identity rules they were checked by. */
export async function validateItems(em: EntityManager, { settings, now }: IngestScope, inputs: IngestEventInput[]) {
  if (inputs.length > MAX_BATCH) throw IngestionErrors.batchTooLarge(MAX_BATCH, inputs.length);
  const rules = await loadRules(em);
  const errors: IngestItemError[] = [];
  const valid: ValidItem[] = [];
  inputs.forEach((input, index) => {
    try {
      valid.push(validate(input, index, settings.defaultPhoneRegion, rules, now));
    } catch (error) {
      if (!(error instanceof ItemError || error instanceof IdentifierError)) throw error;
      errors.push({ index, messageId: input.messageId ?? null, code: error.code, message: error.message });
    }
  });
  return { items: valid, errors, rules };
}

class ItemError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function validate(input: IngestEventInput, index: number, region: string, rules: Map<IdentityType, IdentityRule>, now: Date): ValidItem {
  const messageId = input.messageId?.trim();
  if (!messageId || messageId.length > 200) throw new ItemError('INVALID_MESSAGE_ID', 'messageId must be 1 to 200 characters');
  if (input.traits != null && !isPlainObject(input.traits)) throw new ItemError('INVALID_TRAITS', 'traits must be a JSON object');
  if (input.properties != null && !isPlainObject(input.properties)) throw new ItemError('INVALID_PROPERTIES', 'properties must be a JSON object');
  if (input.kind === IngestKind.TRACK && !input.event?.trim()) throw new ItemError('MISSING_EVENT', 'a TRACK item needs an event name');
  if (input.revenue != null && (!Number.isFinite(input.revenue) || Math.abs(input.revenue) > 1e12))
    throw new ItemError('INVALID_REVENUE', 'revenue must be a finite amount');
  const occurredAt = input.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) throw new ItemError('INVALID_TIME', 'occurredAt is not a time');
  const identifiers: Identifier[] = [];
  for (const raw of input.identifiers) {
    const rule = rules.get(raw.type)!;
    const trimmed = raw.value.trim();
    if (isBlocked(rule, trimmed)) continue;
    const identifier = normaliseIdentifier(raw, region);
    if (identifier.value !== trimmed && isBlocked(rule, identifier.value)) continue;
    if (!identifiers.some((known) => known.type === identifier.type && known.value === identifier.value)) identifiers.push(identifier);
  }
  if (identifiers.length === 0) throw new ItemError('NO_IDENTIFIERS', 'the item has no usable identifier (empty, junk or blocked values only)');
  return {
    index,
    messageId,
    kind: input.kind,
    identifiers,
    traits: (input.traits as Record<string, unknown>) ?? {},
    event: input.kind === IngestKind.TRACK ? input.event!.trim() : 'identify',
    properties: (input.properties as Record<string, unknown>) ?? {},
    revenue: input.revenue ?? null,
    channel: input.channel ?? null,
    occurredAt,
    occurredAtText: occurredAt.toISOString(),
    source: input.source ?? null,
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
