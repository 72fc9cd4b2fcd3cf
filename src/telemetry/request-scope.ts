import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the request (HTTP or WebSocket operation, job, command) the current code runs for. */
export interface RequestScope {
  requestId: string;
  /** SQL statements sent so far for this request. */
  statements: number;
  /** Round trips to the database so far: statements pipelined up to one Sync count once. */
  roundTrips: number;
  /** The workspace whose rows its statements may see (row-level security); none until it is known. */
  workspaceId?: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` in a fresh request scope. */
export function runInRequestScope<T>(requestId: string, fn: () => T, workspaceId?: string): T {
  return storage.run({ requestId, statements: 0, roundTrips: 0, workspaceId }, fn);
}

/** Runs `fn` (a job's or a command's work) with its statements confined to one workspace. */
export function runInWorkspace<T>(workspaceId: string, fn: () => T): T {
  return storage.run({ requestId: `workspace:${workspaceId}`, statements: 0, roundTrips: 0, workspaceId }, fn);
}

/** Confines the rest of the current request to the workspace its key belongs to. */
export function bindWorkspace(workspaceId: string): void {
  const scope = storage.getStore();
  if (scope) scope.workspaceId = workspaceId;
}

export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** Called by the ORM for every statement it sends. */
export function countStatement(): void {
  const scope = storage.getStore();
  if (scope) scope.statements += 1;
}

/** Called for every message sequence sent to the database that waits for its answer. */
export function countRoundTrip(): void {
  const scope = storage.getStore();
  if (scope) scope.roundTrips += 1;
}
