import { conflict, unavailable } from '../errors';

/** What the database's state makes the API answer. */
export const DatabaseErrors = {
  unavailable: () => unavailable('DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly'),
  /** A unique key taken by a concurrent transaction. */
  concurrentChange: () => conflict('CONCURRENT_CHANGE', 'This conflicts with a change made at the same time; retry'),
  retriesExhausted: (attempts: number) =>
    conflict('CONCURRENT_CHANGES_KEPT_CONFLICTING', 'Concurrent changes to the same customers kept conflicting; retry the request', { attempts }),
};
