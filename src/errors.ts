/** The codes a client can see in `extensions.code`. */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

/**
 * An error the application means to show the client. Modules throw it through named factories;
 * the GraphQL boundary turns it into a `GraphQLError` carrying `code` and `details`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badInput(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('BAD_USER_INPUT', message, details);
  }

  static notFound(type: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${type} ${id} was not found`, { type, id });
  }

  static unauthenticated(message = 'A valid API key is required: Authorization: Bearer <key>'): AppError {
    return new AppError('UNAUTHENTICATED', message);
  }

  static forbidden(message: string): AppError {
    return new AppError('FORBIDDEN', message);
  }

  static conflict(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('CONFLICT', message, details);
  }

  static unavailable(message = 'The database is unavailable; retry shortly'): AppError {
    return new AppError('SERVICE_UNAVAILABLE', message);
  }
}

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
