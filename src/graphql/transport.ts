import type { ApolloServerPlugin } from '@apollo/server';
import { MAX_VARIABLE_DEPTH, variablesTooDeep } from './input-guard';
import { InputErrors } from './input.errors';
import { RequestErrors } from './request.errors';

/** The refusal of variables nested too deep for graphql-js to coerce, over either transport. */
export const tooDeepError = () => InputErrors.variablesTooDeep(MAX_VARIABLE_DEPTH).toGraphQLError(400);

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
        throw RequestErrors.subscriptionOverHttp().toGraphQLError(405);
      },
    }),
  };
}
