import pino from 'pino';
import { redactedError, redactSql } from './redact';

/** Errors and knex's messages are logged without the values inlined into their SQL. */
export const logSerializers = {
  err: (error: unknown) => redactedError(error),
  knex: (message: unknown) => (typeof message === 'string' ? redactSql(message) : redactedError(message)),
};

/** The process logger; request-bound children carry `requestId`. */
export const logger = pino({
  level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'cdp-api', pid: process.pid },
  serializers: logSerializers,
});
