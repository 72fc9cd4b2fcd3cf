import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { Fanout } from './fanout';
import type { Topic, Topics } from './topics';

/** The NOTIFY channel every server process LISTENs on (a message from another origin is delivered here as published there). */
export const BUS_CHANNEL = 'cdp_events';
const CHANNEL = BUS_CHANNEL;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

/**
 * The publish/subscribe bus shared by every server process on one database. `publish` delivers to
 * this process at once and to the others through `pg_notify`; one LISTEN connection per process
 * hands what arrives to the in-process fan-out (also type-graphql's PubSub). The connection is
 * re-established after a database outage.
 */
export class EventBus {
  readonly fanout: Fanout<Topics>;
  private readonly origin = randomUUID();
  private client?: Client;
  private closed = false;
  private reconnectDelay = 250;
  private reconnectTimer?: NodeJS.Timeout;
  /** When the LISTEN connection was lost, until it is back. */
  private lostAt?: number;
  /** Messages waiting for the NOTIFY in flight to finish; they go out together in the next one. */
  private queued: { part: string; sent: () => void }[] = [];
  private sending = false;
  /** Who waits for the next LISTEN connection ({@link nextConnection}). */
  private connectionWaiters: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {
    this.fanout = new Fanout<Topics>(log);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * Delivers locally now and to other processes through NOTIFY; never throws (a lost notify is
   * logged). Messages published while a NOTIFY is in flight go out together in the next one, in
   * order, so a busy process sends a few NOTIFYs of many messages rather than one per message.
   */
  publish<T extends Topic>(topic: T, payload: Topics[T]): Promise<void> {
    this.deliver(topic, payload);
    const part = JSON.stringify({ topic, payload });
    if (Buffer.byteLength(part) > MAX_PAYLOAD - 100) {
      this.log.error({ topic }, 'bus payload too large for NOTIFY; not sent to other processes');
      return Promise.resolve();
    }
    return new Promise((sent) => {
      this.queued.push({ part, sent });
      if (!this.sending) void this.sendQueued();
    });
  }

  /** {@link publish} for many messages of one topic (the audit entries of an ingested batch, say). */
  async publishEach<T extends Topic>(topic: T, payloads: readonly Topics[T][]): Promise<void> {
    await Promise.all(payloads.map((payload) => this.publish(topic, payload)));
  }

  private async sendQueued(): Promise<void> {
    this.sending = true;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      try {
        const client = this.client;
        if (!client) throw new Error('bus is not connected');
        await client.query('select pg_notify($1, message) from unnest($2::text[]) message', [CHANNEL, this.envelopes(batch.map((each) => each.part))]);
      } catch (error) {
        this.log.warn({ err: error, messages: batch.length }, 'bus notify failed; other processes miss these events');
      }
      for (const each of batch) each.sent();
    }
    this.sending = false;
  }

  /** The parts in as few NOTIFY payloads as fit, in order. */
  private envelopes(parts: string[]): string[] {
    const head = `{"origin":${JSON.stringify(this.origin)},"messages":[`;
    const envelopes: string[] = [];
    let current: string[] = [];
    let bytes = Buffer.byteLength(head) + 2;
    for (const part of parts) {
      const size = Buffer.byteLength(part) + 1;
      if (current.length > 0 && bytes + size > MAX_PAYLOAD) {
        envelopes.push(`${head}${current.join(',')}]}`);
        [current, bytes] = [[], Buffer.byteLength(head) + 2];
      }
      current.push(part);
      bytes += size;
    }
    if (current.length > 0) envelopes.push(`${head}${current.join(',')}]}`);
    return envelopes;
  }

  /** Subscribes to a topic in this process, to the messages `keep` accepts (all without it). */
  subscribe<T extends Topic>(topic: T, keep?: (message: Topics[T]) => boolean): AsyncIterableIterator<Topics[T]> {
    return this.fanout.subscribe(topic, keep);
  }

  /**
   * Resolves when the LISTEN connection is next established (after an outage, say), from when
   * messages of other processes arrive again: tests await it instead of polling.
   */
  nextConnection(): Promise<void> {
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private deliver<T extends Topic>(topic: T, payload: Topics[T]): void {
    this.fanout.publish(topic, payload);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 3000, application_name: 'cdp-bus' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (notification) => {
      if (notification.channel !== CHANNEL || !notification.payload) return;
      try {
        const { origin, messages } = JSON.parse(notification.payload) as { origin: string; messages: { topic: Topic; payload: never }[] };
        if (origin !== this.origin) for (const { topic, payload } of messages) this.deliver(topic, payload);
      } catch (error) {
        this.log.warn({ err: error }, 'bus dropped a malformed notification');
      }
    });
    await client.connect();
    // a NOTIFY is a transaction that would wait for its commit to reach the disk; bus messages are best effort
    await client.query(`set synchronous_commit to off; listen ${CHANNEL}`);
    this.client = client;
    if (this.lostAt) this.log.info({ afterMs: Date.now() - this.lostAt }, 'bus connection re-established');
    this.lostAt = undefined;
    this.reconnectDelay = 250;
    for (const resolve of this.connectionWaiters.splice(0)) resolve();
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client && this.client !== undefined) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.closed || this.reconnectTimer) return;
    this.lostAt ??= Date.now();
    this.log.warn({ err: error }, 'bus connection lost; reconnecting');
    const retry = () => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.connect().catch(() => {
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
        if (!this.reconnectTimer && !this.closed) this.reconnectTimer = setTimeout(retry, this.reconnectDelay);
      });
    };
    this.reconnectTimer = setTimeout(retry, this.reconnectDelay);
  }
}
