import pino from 'pino';

/** The process logger; request-bound children carry `requestId`. */
export const logger = pino({
  level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'cdp-api' },
});
