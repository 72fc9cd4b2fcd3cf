import type { Channel, IngestKind } from '../../graphql/enums';
import type { Identifier } from './identifiers';

/** An item that passed validation, with normalised identifiers. */
export interface ValidItem {
  index: number;
  messageId: string;
  kind: IngestKind;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  event: string;
  properties: Record<string, unknown>;
  revenue: number | null;
  channel: Channel | null;
  occurredAt: Date;
  /** occurredAt as ISO text, computed once: it is written into several JSON payloads. */
  occurredAtText: string;
  source: string | null;
}
