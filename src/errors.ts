import { GraphQLError } from 'graphql';
/** The codes a client can see in `extensions.code`: the broad class of an error. */
export type ErrorCode =
  'BAD_USER_INPUT' | 'BAD_REQUEST' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

/**
 * The stable name of one refusal, `extensions.reason`: SCREAMING_SNAKE_CASE, led by its module
 * (`SEGMENT_STATIC_HAS_NO_RULE`), unique across the API. Clients switch on it; messages may change.
 */
export type ErrorReason = Uppercase<string>;

/**
 * An error the application means to show the client, with its `code` and `reason`. Create one only
 * through a named factory of a `*.errors.ts` file (`SegmentErrors.staticHasNoRule()`), which
 * builds it with the helpers below; the boundary (`graphql/format-error.ts`) shows `extensions`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: ErrorReason,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** What a client sees beside the message: the details, `code` and `reason`. */
  get extensions(): Record<string, unknown> {
    return { ...this.details, code: this.code, reason: this.reason };
  }

  /** The error as a `GraphQLError` for the places that must return one (plugins, WebSocket hooks), with its HTTP status. */
  toGraphQLError(httpStatus?: number): GraphQLError {
    return new GraphQLError(this.message, { extensions: { ...this.extensions, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
  }
}

/** Builders for `*.errors.ts` files only (the linter refuses them elsewhere). */
export const badInput = (reason: ErrorReason, message: string, details?: Record<string, unknown>) => new AppError('BAD_USER_INPUT', reason, message, details);
export const notFound = (reason: ErrorReason, type: string, id: string) => new AppError('NOT_FOUND', reason, `${type} ${id} was not found`, { type, id });
export const conflict = (reason: ErrorReason, message: string, details?: Record<string, unknown>) => new AppError('CONFLICT', reason, message, details);
export const forbidden = (reason: ErrorReason, message: string) => new AppError('FORBIDDEN', reason, message);
export const unauthenticated = (reason: ErrorReason, message: string) => new AppError('UNAUTHENTICATED', reason, message);
export const unavailable = (reason: ErrorReason, message: string) => new AppError('SERVICE_UNAVAILABLE', reason, message);
export const badRequest = (reason: ErrorReason, message: string) => new AppError('BAD_REQUEST', reason, message);

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
]);

const CONNECTION_MESSAGES = [
  'Timeout acquiring a connection',
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'the database system is',
  'Connection ended unexpectedly',
];

/** Whether an error means the database could not be reached or had no connection to spare. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let current = error as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown; thrownValue?: unknown } | undefined, depth = 0;
    current && depth < 5;
    depth++
  ) {
    if (typeof current.code === 'string' && CONNECTION_CODES.has(current.code)) return true;
    if (current.name === 'KnexTimeoutError' || current.name === 'ConnectionException') return true;
    if (typeof current.message === 'string' && CONNECTION_MESSAGES.some((m) => (current!.message as string).includes(m))) return true;
    // graphql-js wraps a thrown value that is not `instanceof Error` (e.g. a socket error from another realm) in NonErrorThrown
    current = (current.cause ?? current.thrownValue) as typeof current;
  }
  return false;
}
