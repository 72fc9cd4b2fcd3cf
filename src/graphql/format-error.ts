import { unwrapResolverError } from '@apollo/server/errors';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { AppError, isDatabaseUnavailable } from '../errors';
import { logger } from '../telemetry/logger';
import { currentRequest } from '../telemetry/request-scope';
import { withoutSuggestion } from './limits';

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
 * The one boundary between errors and clients: application errors keep their code and details,
 * library errors get a code, and anything unexpected is logged with the request id and masked.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { path: formatted.path, locations: formatted.locations };
  if (original instanceof AppError) {
    return { message: original.message, ...where, extensions: { ...original.details, code: original.code } };
  }
  if (original instanceof AuthorizationError) {
    return { message: 'The role of this API key may not do this', ...where, extensions: { code: 'FORBIDDEN' } };
  }
  if (original instanceof AuthenticationError) {
    return { message: AppError.unauthenticated().message, ...where, extensions: { code: 'UNAUTHENTICATED' } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: AppError.unavailable().message, ...where, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (original instanceof UniqueConstraintViolationException) {
    return { message: 'This conflicts with a change made at the same time; retry', ...where, extensions: { code: 'CONFLICT' } };
  }
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

/** Apollo's own refusals that carry an HTTP 4xx but no code (a persisted-query hash that does not match its query). */
function clientErrorWithoutCode(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
