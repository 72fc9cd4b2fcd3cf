import { forbidden, unauthenticated, badInput, badRequest } from '../errors';
import type { Role } from './enums';

/** Refusals of a request as a whole: its key, its role, its transport. */
export const RequestErrors = {
  keyRequired: () => unauthenticated('API_KEY_REQUIRED', 'A valid API key is required: Authorization: Bearer <key>'),
  keyUnknown: () => unauthenticated('API_KEY_UNKNOWN', 'The API key is unknown or revoked'),
  roleMayNot: () => forbidden('ROLE_MAY_NOT', 'The role of this API key may not do this'),
  roleMayNotRead: (role: Role, coordinate: string) => forbidden('ROLE_MAY_NOT_READ', `An API key with the role ${role} may not read ${coordinate}`),
  subscriptionOverHttp: () => badRequest('SUBSCRIPTION_OVER_HTTP', 'Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP'),
  tooManySubscriptions: (max: number) => badInput('TOO_MANY_SUBSCRIPTIONS', `A connection may hold at most ${max} subscriptions`),
};
