import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { MAX_VARIABLE_DEPTH, variablesTooDeep } from './input-guard';

/** The refusal of variables nested too deep for graphql-js to coerce, over either transport. */
export const tooDeepError = () =>
  new GraphQLError(`The variables nest deeper than ${MAX_VARIABLE_DEPTH} levels`, {
    extensions: { code: 'BAD_USER_INPUT', max: MAX_VARIABLE_DEPTH, http: { status: 400 } },
  });

/**
 * Checks of an HTTP operation before execution: variables too deep to coerce are refused before
 * graphql-js tries, and a subscription is BAD_REQUEST (405), since subscriptions are served over
 * WebSocket only (graphql-js would otherwise run a subscription field as if it were a query).
 */
export function httpOperationChecks(): ApolloServerPlugin {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation, request }) => {
        if (variablesTooDeep(request.variables)) throw tooDeepError();
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP', {
          extensions: { code: 'BAD_REQUEST', http: { status: 405 } },
        });
      },
    }),
  };
}
