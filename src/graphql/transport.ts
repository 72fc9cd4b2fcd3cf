import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Subscriptions are served over WebSocket only: one sent by HTTP is refused as BAD_REQUEST (405)
 * before execution, rather than running a subscription field as if it were a query.
 */
export function subscriptionsOverWebSocketOnly(): ApolloServerPlugin {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation }) => {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP', {
          extensions: { code: 'BAD_REQUEST', http: { status: 405 } },
        });
      },
    }),
  };
}
