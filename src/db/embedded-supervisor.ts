import { controlEmbedded, embeddedServerPid } from './embedded';

export interface SupervisorLog {
  info(message: string): void;
  warn(message: string): void;
}

/** How often the supervisor looks, and the longest it waits between failed restarts. */
const CHECK_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps the embedded PostgreSQL of a data directory running: checks every second that its
 * postmaster lives and, when it has died (a crash, the OOM killer, `kill -9`), starts it again,
 * backing off while a start fails. PostgreSQL's own crash recovery replays the WAL, so every
 * committed transaction survives; requests meanwhile get SERVICE_UNAVAILABLE, and the pool and the
 * event bus reconnect by themselves.
 */
export class EmbeddedSupervisor {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private backoffMs = CHECK_MS;

  constructor(
    private readonly dataDir: string,
    private readonly log: SupervisorLog,
  ) {}

  start(): this {
    this.schedule(CHECK_MS);
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), ms);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    if (embeddedServerPid(this.dataDir)) return this.schedule(CHECK_MS);
    this.log.warn('embedded PostgreSQL is not running; restarting it');
    try {
      await controlEmbedded(this.dataDir, 'start');
      this.backoffMs = CHECK_MS;
      this.log.info('embedded PostgreSQL restarted');
      this.schedule(CHECK_MS);
    } catch (error) {
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      this.log.warn(`restarting embedded PostgreSQL failed (${(error as Error).message}); trying again in ${this.backoffMs / 1000} s`);
      this.schedule(this.backoffMs);
    }
  }
}
