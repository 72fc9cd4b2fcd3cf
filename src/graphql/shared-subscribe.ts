import { AsyncResource } from 'node:async_hooks';
import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';

type Results = Map<string, Promise<ExecutionResult>>;
const resultsByEvent = new WeakMap<object, Results>();

/**
 * graphql's `subscribe`, except that an event is executed once per distinct operation: subscribers
 * whose `audience` (who they are) and operation text and variables are the same share one result.
 * A thousand agents watching one queue cost one execution per queue event, not a thousand.
 * Filtering stays per subscriber, in each field's own `subscribe`.
 */
export async function sharedSubscribe(args: ExecutionArgs, audience: string): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const operation = [
    audience,
    args.operationName ?? '',
    JSON.stringify(args.variableValues ?? {}),
    args.document.loc?.source.body ?? print(args.document),
  ].join('\n');
  // the events arrive through graphql-ws's loop, outside the operation's scope: bound to it, their statements keep its workspace
  return mapEvents(
    stream,
    AsyncResource.bind((event: unknown) => {
      if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
      let results = resultsByEvent.get(event);
      if (!results) resultsByEvent.set(event, (results = new Map()));
      let result = results.get(operation);
      if (!result) results.set(operation, (result = Promise.resolve(execute({ ...args, rootValue: event }))));
      return result;
    }),
  );
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
