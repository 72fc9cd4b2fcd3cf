import { createSourceEventStream, print, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Results = Map<string, Promise<ExecutionResult>>;
const resultsByEvent = new WeakMap<object, Results>();

/** One string per distinct operation key, however many subscriptions run it (each would otherwise hold its own copy). */
const keys = new Map<string, string>();
const KEYS = 1000;
function interned(key: string): string {
  const known = keys.get(key);
  if (known !== undefined) return known;
  if (keys.size >= KEYS) keys.clear();
  keys.set(key, key);
  return key;
}

/**
 * graphql's `subscribe`, except that an event is executed once per distinct operation: subscribers
 * whose `audience` (who they are: what their results may depend on) and operation text and
 * variables are the same share one result, and with it its serialization (see `serializedOnce`).
 * A thousand agents watching one queue cost one execution per queue event, not a thousand.
 * Filtering stays per subscriber, in each field's own `subscribe`. `executeEvent` runs one
 * execution (in a request scope and with a context made for that event); nothing of it is kept
 * per subscription.
 */
export async function sharedSubscribe(
  args: ExecutionArgs,
  audience: string,
  executeEvent: (event: unknown) => ExecutionResult | Promise<ExecutionResult>,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const operation = interned(
    [audience, args.operationName ?? '', JSON.stringify(args.variableValues ?? {}), args.document.loc?.source.body ?? print(args.document)].join('\n'),
  );
  return mapEvents(stream, (event: unknown) => {
    if (typeof event !== 'object' || event === null) return executeEvent(event);
    let results = resultsByEvent.get(event);
    if (!results) resultsByEvent.set(event, (results = new Map()));
    let result = results.get(operation);
    if (!result) results.set(operation, (result = Promise.resolve(executeEvent(event))));
    return result;
  });
}

/** Maps an async iterator without buffering, so that `return()` reaches the source at once. */
function mapEvents<T, U>(source: AsyncIterable<T>, map: (value: T) => U | Promise<U>): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped = async (result: IteratorResult<T>): Promise<IteratorResult<U>> =>
    result.done ? { done: true, value: undefined } : { done: false, value: await map(result.value) };
  const finished = (): Promise<IteratorResult<U>> => Promise.resolve({ done: true, value: undefined });
  return {
    next: () => iterator.next().then(mapped),
    return: () => (iterator.return ? iterator.return().then(mapped) : finished()),
    throw: (error: unknown) => (iterator.throw ? iterator.throw(error).then(mapped) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
