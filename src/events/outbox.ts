import type { EventBus } from './bus';
import type { Topic, Topics } from './topics';

/**
 * Bus messages gathered while a transaction runs and published only once it has committed, so a
 * subscriber never hears of a change that was rolled back. One per transaction attempt.
 */
export class Outbox {
  private readonly messages: { topic: Topic; payload: Topics[Topic] }[] = [];

  add<T extends Topic>(topic: T, payload: Topics[T]): void {
    this.messages.push({ topic, payload });
  }

  /** Publishes in the order added (the bus never throws). */
  async publish(bus: EventBus): Promise<void> {
    await Promise.all(this.messages.map(({ topic, payload }) => bus.publish(topic, payload as never)));
  }
}
