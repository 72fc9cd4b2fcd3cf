import { unwrapResolverError } from '@apollo/server/errors';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { AppError, isDatabaseUnavailable } from '../errors';
import { DatabaseErrors } from '../db/database.errors';
import { logger } from '../telemetry/logger';
import { currentRequest } from '../telemetry/request-scope';
import { withoutSuggestion } from './limits';
import { RequestErrors } from './request.errors';

/** Codes that GraphQL servers and libraries set themselves and that are safe to show as they are. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'SERVICE_UNAVAILABLE',
]);

/**
 * The one boundary between errors and clients: application errors show their code, reason and details,
 * library errors get a code, and anything unexpected is logged with the request id and masked.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { path: formatted.path, locations: formatted.locations };
  const known = asAppError(original);
  if (known) return { message: known.message, ...where, extensions: known.extensions };
  const code = clientErrorWithoutCode(original) ? 'BAD_REQUEST' : formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions ?? {};
    const message = withoutSuggestion(new GraphQLError(formatted.message)).message;
    return { ...formatted, message, extensions: { ...extensions, code } };
  }
  const requestId = currentRequest()?.requestId;
  logger.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
  return {
    message: `Internal server error; quote request id ${requestId ?? 'unknown'} when reporting it`,
    ...where,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

/** An application error, or the named one a library's error stands for. */
function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof AuthorizationError) return RequestErrors.roleMayNot();
  if (error instanceof AuthenticationError) return RequestErrors.keyRequired();
  if (isDatabaseUnavailable(error)) return DatabaseErrors.unavailable();
  if (error instanceof UniqueConstraintViolationException) return DatabaseErrors.concurrentChange();
  return undefined;
}

/** The body of an error answered outside GraphQL (the CSV export), shaped as GraphQL shapes it. */
export function errorBody(error: Error): { errors: GraphQLFormattedError[] } {
  return { errors: [formatError(error instanceof GraphQLError ? error.toJSON() : { message: error.message }, error)] };
}

/** Apollo's own refusals that carry an HTTP 4xx but no code (a persisted-query hash that does not match its query). */
function clientErrorWithoutCode(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
