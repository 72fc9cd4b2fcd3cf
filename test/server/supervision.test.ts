import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedServerPid } from '../../src/db/embedded';
import { sharedPlaceFor } from '../../src/db/embedded-runtime';
import { Role } from '../../src/graphql/enums';
import { codes, collect, data, post, wsClient } from '../support/client';
import { startChildServer, type ChildServer } from '../support/child-server';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';
import { adminQuery } from '../support/test-database';

const workspace = operations('workspace.graphql');
const { Ingest } = operations('ingest.graphql');
const ADMIN_KEY = 'cdp_supervision_admin_key_0001';

/** Ingests one event at a time, recording the messageIds acknowledged and the codes of the refusals. */
class IngestStream {
  readonly acknowledged: string[] = [];
  readonly refusals: string[] = [];
  private running = true;
  private sent = 0;
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly done: Promise<void>;

  constructor(url: string, senders: number) {
    this.done = Promise.all(Array.from({ length: senders }, (_, sender) => this.send(url, sender))).then(() => undefined);
  }

  /** Resolves once `count` more events than now are acknowledged. */
  more(count: number): Promise<void> {
    const target = this.acknowledged.length + count;
    return new Promise((resolve) => this.waiters.push({ count: target, resolve }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async send(url: string, sender: number): Promise<void> {
    while (this.running) {
      const messageId = `supervised-${sender}-${this.sent++}`;
      const event = { messageId, kind: 'TRACK', event: 'page_viewed', identifiers: [{ type: 'EXTERNAL_ID', value: messageId }] };
      const answer = await post(url, ADMIN_KEY, Ingest({ events: [event] })).catch((error: Error) => ({
        status: 0,
        body: { errors: [{ message: error.message, extensions: { code: 'NO_ANSWER' } }] },
      }));
      if ((answer.body as { data?: { ingest?: { accepted: number } } }).data?.ingest?.accepted === 1) this.acknowledged.push(messageId);
      else this.refusals.push(codes(answer as never).join() || String(answer.status));
      for (const waiter of this.waiters.filter((w) => this.acknowledged.length >= w.count)) waiter.resolve();
    }
  }
}

describe('the supervised embedded PostgreSQL', () => {
  let dataDir: string;
  let child: ChildServer;
  let elsewhere: TestServer | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-supervised-'));
    child = await startChildServer(undefined, { CDP_DATA_DIR: dataDir, CDP_ADMIN_KEY: ADMIN_KEY, CDP_JOBS: 'false' });
  });
  afterAll(async () => {
    await elsewhere?.stop();
    await child?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(sharedPlaceFor('clusters', dataDir), { recursive: true, force: true });
  });

  it('says where its data lives at start', async () => {
    const line = await child.waitForLine(/embedded PostgreSQL data in/);
    const clusterDir = JSON.parse(line).clusterDir as string;
    expect(fs.existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
    if (process.getuid?.() === 0) expect(clusterDir).toBe(sharedPlaceFor('clusters', dataDir)); // mkdtemp made dataDir 0700
  });

  it('comes back by itself after SIGKILL under a stream of ingests: coded refusals meanwhile, no acknowledged write lost, subscriptions resumed', async () => {
    const feed = collect(wsClient(child.wsUrl, ADMIN_KEY), workspace.AuditEntryAdded());
    // the subscription is live once an event made after it arrives
    await data(child.url, ADMIN_KEY, workspace.CreateApiKey({ name: 'before', role: Role.ANALYST }));
    await feed.waitFor(1);

    const stream = new IngestStream(child.url, 2);
    await stream.more(20);
    // backends outlive a killed postmaster by a moment, so readiness is watched throughout
    const readiness: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) readiness.push((await fetch(`${child.baseUrl}/readyz`)).status);
    })();
    process.kill(embeddedServerPid(dataDir)!, 'SIGKILL');

    await child.waitForLine(/embedded PostgreSQL restarted/);
    await stream.more(20);
    await stream.stop();
    watching = false;
    await watcher;
    expect(readiness).toContain(503);
    expect(new Set(readiness)).toEqual(new Set([200, 503]));
    expect(stream.refusals.length).toBeGreaterThan(0);
    expect(new Set(stream.refusals)).toEqual(new Set(['SERVICE_UNAVAILABLE']));
    expect((await fetch(`${child.baseUrl}/readyz`)).status).toBe(200);

    const meta = JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded.json'), 'utf8'));
    const databaseUrl = `postgres://postgres:${encodeURIComponent(meta.password)}@127.0.0.1:${meta.port}/cdp`;
    const [{ stored }] = await adminQuery<{ stored: number }>(
      `select count(*)::int as stored from event where message_id = any($1)`,
      [stream.acknowledged],
      databaseUrl,
    );
    expect(stored).toBe(stream.acknowledged.length);

    // another process's event reaches the subscriber only through the re-established LISTEN
    await child.waitForLine(/bus connection re-established/);
    elsewhere = await startTestServer({ databaseUrl });
    const made = await data(elsewhere.url, ADMIN_KEY, workspace.CreateApiKey({ name: 'after', role: Role.ANALYST }));
    await feed.waitFor(2);
    expect(feed.events[1].data?.auditEntryAdded).toMatchObject({ action: 'api_key.created', subjectId: made.createApiKey.apiKey.id });
    feed.dispose();
  });
});
