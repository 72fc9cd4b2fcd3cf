import { badInput, notFound, type ErrorReason } from '../../errors';

/** Refusals about customers, for every module that names one. */
export const CustomerErrors = {
  notFound: (id: string) => notFound('CUSTOMER_NOT_FOUND', 'Customer', id),
};

/** Refusals of ingestion (`ingest`, and what resolves customers as it does: `identify`, `openConversation`, `submitSurvey`). */
export const IngestionErrors = {
  /** The one item of a request refused: its reason is the item's code (`INVALID_IDENTIFIER`, `SUPPRESSED`, ...), as `ingest` reports it. */
  itemRefused: (item: { code: string; message: string }, field?: string) => badInput(item.code as ErrorReason, item.message, field ? { field } : undefined),
};
