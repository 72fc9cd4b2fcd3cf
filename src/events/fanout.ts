import type { Logger } from 'pino';

/** Messages one slow subscriber may have waiting before the oldest are dropped. */
const MAX_WAITING = 10_000;

/** A subscription that can hand its messages to a callback instead of through `next()` (see {@link Subscription.listen}). */
export interface Listenable<T> {
  listen(listener: (message: T) => void): void;
}

export const isListenable = <T>(value: unknown): value is Listenable<T> & AsyncIterableIterator<T> => value instanceof Subscription;

/**
 * One subscriber's stream of a topic. `keep` runs when a message is published, so a message a
 * subscriber may not see never costs it a promise; `return()` detaches at once, even mid-wait.
 */
class Subscription<T> implements AsyncIterableIterator<T>, Listenable<T> {
  private readonly waiting: T[] = [];
  private reader?: (result: IteratorResult<T>) => void;
  private listener?: (message: T) => void;
  private done = false;
  private dropped = 0;

  constructor(
    private readonly keep: (message: T) => boolean,
    private readonly detach: () => void,
    private readonly log: Logger,
  ) {}

  push(message: T): void {
    if (this.done || !this.keep(message)) return;
    if (this.listener) {
      this.hand(message);
      return;
    }
    const reader = this.reader;
    if (reader) {
      this.reader = undefined;
      reader({ value: message, done: false });
      return;
    }
    if (this.waiting.length >= MAX_WAITING) {
      this.waiting.shift();
      if (this.dropped++ === 0) this.log.warn('a subscriber is too slow; its oldest waiting messages are being dropped');
    }
    this.waiting.push(message);
  }

  /**
   * From now on, each message it keeps goes to `listener` as it is published, in the publisher's
   * turn, with no promise per message (those waiting go first); `next()` is not to be used after.
   * `return()` still ends it.
   */
  listen(listener: (message: T) => void): void {
    this.listener = listener;
    for (const message of this.waiting.splice(0)) this.hand(message);
  }

  private hand(message: T): void {
    try {
      this.listener!(message);
    } catch (error) {
      // one subscriber's failure is no other's: the publisher goes on to the next
      this.log.error({ err: error }, 'a subscriber failed on a message');
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.waiting.length) return Promise.resolve({ value: this.waiting.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.reader = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.waiting.length = 0;
      this.detach();
      this.reader?.({ value: undefined, done: true });
      this.reader = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * In-process publish/subscribe by topic: `publish` hands the same message object to every
 * subscriber synchronously (subscription resolvers key shared work on that object). It also serves
 * as type-graphql's PubSub.
 */
export class Fanout<Topics> {
  private readonly subscribers = new Map<keyof Topics, Set<{ push(message: unknown): void }>>();
  private readonly waiters = new Map<keyof Topics, (() => void)[]>();
  private readonly detachWaiters = new Map<keyof Topics, (() => void)[]>();

  constructor(private readonly log: Logger) {}

  publish<T extends keyof Topics>(topic: T, message: Topics[T]): void {
    for (const subscriber of this.subscribers.get(topic) ?? []) subscriber.push(message);
  }

  subscribe<T extends keyof Topics>(topic: T, keep: (message: Topics[T]) => boolean = () => true): AsyncIterableIterator<Topics[T]> {
    let set = this.subscribers.get(topic);
    if (!set) this.subscribers.set(topic, (set = new Set()));
    const subscriber = new Subscription(
      keep,
      () => {
        set.delete(subscriber);
        wake(this.detachWaiters, topic);
      },
      this.log,
    );
    set.add(subscriber as { push(message: unknown): void });
    this.log.debug({ topic }, 'subscriber registered'); // what tests of another process wait for
    wake(this.waiters, topic);
    return subscriber;
  }

  /**
   * Resolves at the next subscription to a topic in this process, from when that subscriber hears
   * every message published. graphql-ws acknowledges no subscribe: a test asks for this before it
   * subscribes and awaits it after, instead of sleeping.
   */
  nextSubscriber(topic: keyof Topics): Promise<void> {
    return new Promise((resolve) => this.waiters.set(topic, [...(this.waiters.get(topic) ?? []), resolve]));
  }

  /** Resolves when a subscriber of a topic in this process next detaches (its subscription ended); for tests, as {@link nextSubscriber}. */
  nextDetach(topic: keyof Topics): Promise<void> {
    return new Promise((resolve) => this.detachWaiters.set(topic, [...(this.detachWaiters.get(topic) ?? []), resolve]));
  }
}

function wake<K>(waiters: Map<K, (() => void)[]>, key: K): void {
  const waiting = waiters.get(key);
  waiters.delete(key);
  for (const resolve of waiting ?? []) resolve();
}
