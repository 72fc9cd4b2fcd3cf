import { createSourceEventStream, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isListenable, type Listenable } from '../events/fanout';
import { logger } from '../telemetry/logger';

/** One execution of an operation for one event, shared by every subscriber who runs that operation with the same audience. */
interface Shared {
  settled: boolean;
  failed?: boolean;
  failure?: unknown;
  result?: ExecutionResult;
  /** The result's JSON, made once when a direct stream first sends it. */
  json?: string;
  /** For {@link mapEvents}: settles with the execution. */
  promise?: Promise<void>;
  /** Direct streams with this execution in their queue, to flush when it settles. */
  waiting?: DirectStream[];
}

const sharedByEvent = new WeakMap<object, Map<string, Shared>>();

/** Events one direct stream may hold unsent (behind an execution that has not settled) before the oldest are dropped, as the bus drops a lagging subscriber's. */
const MAX_UNSENT = 10_000;

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

type ExecuteEvent = (event: unknown) => ExecutionResult | Promise<ExecutionResult>;

function start(executeEvent: ExecuteEvent, event: unknown): Shared {
  const shared: Shared = { settled: false };
  const settle = () => {
    shared.settled = true;
    const waiting = shared.waiting;
    shared.waiting = undefined;
    for (const stream of waiting ?? []) stream.flush();
  };
  const fail = (error: unknown) => {
    shared.failed = true;
    shared.failure = error;
    settle();
  };
  try {
    const outcome = executeEvent(event);
    if (outcome instanceof Promise)
      shared.promise = outcome.then((result) => {
        shared.result = result;
        settle();
      }, fail);
    else {
      shared.result = outcome;
      shared.settled = true;
    }
  } catch (error) {
    fail(error);
  }
  return shared;
}

/** The execution of `operation` for `event`: started by its first subscriber, found by the others (events that are no objects are not shared). */
function sharedFor(event: unknown, operation: string, executeEvent: ExecuteEvent): Shared {
  if (typeof event !== 'object' || event === null) return start(executeEvent, event);
  let results = sharedByEvent.get(event);
  if (!results) sharedByEvent.set(event, (results = new Map()));
  let shared = results.get(operation);
  if (!shared) results.set(operation, (shared = start(executeEvent, event)));
  return shared;
}

async function resultOf(shared: Shared): Promise<ExecutionResult> {
  if (!shared.settled) await shared.promise;
  if (shared.failed) throw shared.failure;
  return shared.result!;
}

/** Where a {@link DirectStream} sends its results: one graphql-ws operation's socket. */
export interface ResultSink {
  /** One result, in order; `json()` is its serialization, made once for everyone who shares the result. */
  next(result: ExecutionResult, json: () => string): void;
}

/**
 * graphql's `subscribe`, except that an event is executed once per distinct operation: subscribers
 * whose `audience` (who they are: what their results may depend on) and operation text and
 * variables are the same share one result. A thousand agents watching one queue cost one execution
 * per queue event, not a thousand. Filtering stays per subscriber, in each field's own `subscribe`.
 * `executeEvent` runs one execution (in a request scope and with a context made for that event);
 * nothing of it is kept per subscription.
 *
 * When the field's stream is a bus subscription, the answer is a {@link DirectStream}: given a sink,
 * it sends each result as the bus publishes (or as its shared execution finishes), serialized once
 * for all who share it, with no promise per subscriber and event. Other streams (generators) are
 * mapped as graphql's `subscribe` maps them.
 */
export async function sharedSubscribe(
  args: ExecutionArgs,
  audience: string,
  executeEvent: ExecuteEvent,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const operation = interned(
    [audience, args.operationName ?? '', JSON.stringify(args.variableValues ?? {}), args.document.loc?.source.body ?? print(args.document)].join('\n'),
  );
  if (isListenable(stream)) return new DirectStream(stream, operation, executeEvent);
  return mapEvents(stream, (event) => resultOf(sharedFor(event, operation, executeEvent)));
}

export const deliversDirectly = (value: unknown): value is DirectStream => value instanceof DirectStream;

/**
 * A subscription whose results go straight to a {@link ResultSink}, in the order of their events,
 * each once its shared execution has settled. To graphql-ws it is an iterator whose `next()` settles
 * only when the subscription ends: `return()` (the client completes, the socket closes) detaches it
 * from the bus; an execution that throws ends it with that error, as a stream that throws would.
 */
export class DirectStream implements AsyncIterableIterator<ExecutionResult> {
  private sink?: ResultSink;
  /** Executions heard but not yet sent, oldest first: waiting for their own or an earlier one's result, or for the sink (none mostly). */
  private queue?: Shared[];
  private done = false;
  private dropped = false;
  private failure?: { error: unknown };
  private reader?: { resolve(result: IteratorResult<ExecutionResult>): void; reject(error: unknown): void };

  constructor(
    private readonly source: Listenable<unknown> & AsyncIterator<unknown>,
    private readonly operation: string,
    private readonly executeEvent: ExecuteEvent,
  ) {
    source.listen((event) => this.deliver(event));
  }

  deliverTo(sink: ResultSink): void {
    this.sink = sink;
    this.flush();
  }

  private deliver(event: unknown): void {
    if (this.done) return;
    const shared = sharedFor(event, this.operation, this.executeEvent);
    if (shared.settled && this.sink && !this.queue) return this.send(shared);
    const queue = (this.queue ??= []);
    if (queue.length >= MAX_UNSENT) {
      queue.shift();
      if (!this.dropped) logger.warn('a subscription is too far behind; its oldest unsent events are being dropped');
      this.dropped = true;
    }
    queue.push(shared);
    if (!shared.settled) (shared.waiting ??= []).push(this);
  }

  /** Sends what has settled from the head of the queue. */
  flush(): void {
    const queue = this.queue;
    if (!this.sink || !queue) return;
    while (!this.done && queue.length && queue[0].settled) this.send(queue.shift()!);
    if (!queue.length && this.queue === queue) this.queue = undefined;
  }

  private send(shared: Shared): void {
    if (shared.failed) return this.end({ error: shared.failure });
    try {
      this.sink!.next(shared.result!, () => (shared.json ??= JSON.stringify(shared.result)));
    } catch (error) {
      logger.error({ err: error }, 'a subscription result could not be sent');
    }
  }

  private end(failure?: { error: unknown }): void {
    if (this.done) return;
    this.done = true;
    this.queue = undefined;
    void this.source.return?.();
    const reader = this.reader;
    this.reader = undefined;
    if (failure && reader) reader.reject(failure.error);
    else if (failure) this.failure = failure;
    else reader?.resolve({ done: true, value: undefined });
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
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
