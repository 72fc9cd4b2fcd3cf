import type { GraphQLResponse } from './client';

/**
 * SQL statements the server sent for one request, from `extensions.sqlStatements` (on in tests).
 * N+1 tests assert an upper bound that does not grow with the page size.
 */
export function sqlStatements(response: GraphQLResponse): number {
  const count = response.body.extensions?.sqlStatements;
  if (typeof count !== 'number') throw new Error('the response has no extensions.sqlStatements; is CDP_EXPOSE_SQL_COUNT on?');
  return count;
}

/** Round trips to the database for one request, from `extensions.sqlRoundTrips`: statements pipelined up to one Sync count once. */
export function sqlRoundTrips(response: GraphQLResponse): number {
  const count = response.body.extensions?.sqlRoundTrips;
  if (typeof count !== 'number') throw new Error('the response has no extensions.sqlRoundTrips; is CDP_EXPOSE_SQL_COUNT on?');
  return count;
}
