import { badInput, type ErrorReason } from '../../errors';

/** Refusals of ingestion (`ingest`, and what resolves customers as it does: `identify`, `openConversation`, `submitSurvey`). */
export const IngestionErrors = {
  /** The one item of a request refused: its reason is the item's code (`INVALID_IDENTIFIER`, `SUPPRESSED`, ...), as `ingest` reports it. */
  itemRefused: (item: { code: string; message: string }, field?: string) => badInput(item.code as ErrorReason, item.message, field ? { field } : undefined),
  batchTooLarge: (max: number, got: number) => badInput('INGEST_BATCH_TOO_LARGE', `a batch holds at most ${max} items, got ${got}`, { max }),
};
