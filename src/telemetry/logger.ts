import pino from 'pino';
import { redactedError, redactSql } from './redact';

/** The process logger; request-bound children carry `requestId`. Errors are logged without SQL values. */
export const logger = pino({
  level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'cdp-api' },
  serializers: {
    err: (error: unknown) => redactedError(error),
    knex: (message: unknown) => (typeof message === 'string' ? redactSql(message) : redactedError(message)),
  },
});
