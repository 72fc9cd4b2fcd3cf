import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: ExecutionResult<T> & { extensions?: { sqlStatements?: number } };
}

/** An operation as the tests send it: text plus variables, never ids pasted into the text. */
export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** POSTs one operation to the endpoint, as a frontend would. */
export async function post<T = any>(
  url: string,
  key: string | undefined,
  operation: Operation,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: JSON.stringify(operation),
  });
  const text = await response.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON answer ${response.status}: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** The data of a successful operation; fails the test with the errors otherwise. */
export async function data<T = any>(url: string, key: string, operation: Operation): Promise<T> {
  const { body } = await post<T>(url, key, operation);
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

/** The `extensions.code` of each error of a response. */
export const codes = (response: GraphQLResponse): string[] => (response.body.errors ?? []).map((error) => String(error.extensions?.code));

/** A graphql-ws client that authenticates with `key` and never retries. */
export function wsClient(wsUrl: string, key: string | undefined, onClose?: (code: number, reason: string) => void): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    on: onClose ? { closed: (event) => onClose((event as { code: number }).code, String((event as { reason?: string }).reason ?? '')) } : undefined,
    onNonLazyError: () => {},
  });
}

/** Collects a subscription's events; `waitFor(n)` waits for the n-th, `until(check)` for one that passes. */
export function collect<T = any>(client: Client, operation: Operation) {
  const events: ExecutionResult<T>[] = [];
  const waiters = new Set<{ done: () => boolean; resolve: () => void }>();
  let error: unknown;
  let completed = false;
  const wake = (all = false) => {
    for (const waiter of waiters) {
      if (!all && !waiter.done()) continue;
      waiters.delete(waiter);
      waiter.resolve();
    }
  };
  const dispose = client.subscribe<T>(
    { query: operation.query, variables: operation.variables, operationName: operation.operationName },
    {
      next: (value) => {
        events.push(value);
        wake();
      },
      error: (e) => {
        error = e;
        wake(true);
      },
      complete: () => {
        completed = true;
        wake(true);
      },
    },
  );
  /** Resolves when `done()` holds (or the subscription ended), failing after `ms` (a hang guard, not a wait). */
  const waitUntil = async (done: () => boolean, what: string, ms: number): Promise<ExecutionResult<T>[]> => {
    if (done() || error || completed) return events;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`waited ${ms} ms for ${what}, got ${events.length} events`))), ms);
      const waiter = { done, resolve: () => (clearTimeout(timer), resolve()) };
      waiters.add(waiter);
    });
    return events;
  };
  return {
    events,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    dispose,
    /** Resolves when `count` events arrived (or the subscription ended), failing after `ms`. */
    waitFor: (count: number, ms = 5000) => waitUntil(() => events.length >= count, `${count} events`, ms),
    /** Resolves with the first event that passes `check` (arrived or still to come), failing after `ms`. */
    async until(check: (event: ExecutionResult<T>) => boolean, ms = 5000): Promise<ExecutionResult<T>> {
      await waitUntil(() => events.some(check), 'an event that passes the check', ms);
      const found = events.find(check);
      if (!found) throw new Error(`the subscription ended without such an event: ${JSON.stringify(error ?? events)}`);
      return found;
    },
  };
}

/** What {@link collect} returns. */
export type Collected<T = any> = ReturnType<typeof collect<T>>;
