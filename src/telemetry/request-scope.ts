import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the request (HTTP or WebSocket operation) the current code runs for. */
export interface RequestScope {
  requestId: string;
  /** SQL statements sent so far for this request. */
  statements: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` in a fresh request scope. */
export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId, statements: 0 }, fn);
}

export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** Called by the ORM for every statement it sends. */
export function countStatement(): void {
  const scope = storage.getStore();
  if (scope) scope.statements += 1;
}
