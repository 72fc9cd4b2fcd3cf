import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../../src/db/sql';
import { IdentityType, IngestKind } from '../../../src/graphql/enums';
import { ingestWithin } from '../../../src/modules/customer/ingest.service';
import type { IngestEventInput } from '../../../src/modules/customer/ingest.input';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings';
import { data } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('ingest.graphql');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const email = (prefix: string, i: number) => ({ type: IdentityType.EMAIL, value: `${prefix}${i}@example.com` });
const phone = (i: number) => ({ type: IdentityType.PHONE, value: `+861390000${String(i).padStart(4, '0')}` });
const visit = (tag: string, i: number, identifiers: { type: IdentityType; value: string }[]): IngestEventInput =>
  ({ messageId: `${tag}-${i}`, kind: IngestKind.TRACK, event: 'page_viewed', identifiers, occurredAt: new Date('2026-03-01T00:00:00Z') }) as IngestEventInput;

async function ingestOverHttp(key: string, items: IngestEventInput[]) {
  for (let i = 0; i < items.length; i += 500) {
    const result = (await data(t.url, key, op.Ingest({ events: items.slice(i, i + 500) }))).ingest;
    expect(result.errors).toEqual([]);
  }
}

/** Index entries this transaction has read so far, per index of the ingestion tables. */
async function indexReads(tx: EntityManager): Promise<Map<string, number>> {
  const rows = await sql<{ index: string; reads: string }>(
    tx,
    `select c.relname index, pg_stat_get_xact_tuples_returned(c.oid) reads from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid in ('customer'::regclass, 'identity'::regclass, 'event'::regclass)`,
  );
  return new Map(rows.map((row) => [row.index, Number(row.reads)]));
}

describe('ingest into a workspace the planner statistics do not know yet', () => {
  it('probes by key: the index entries a batch reads follow the batch, not the size of the workspace', async () => {
    // the statistics see workspace A alone, so they estimate any other workspace at one row
    await ingestOverHttp(t.adminKey, Array.from({ length: 600 }, (_, i) => visit('a', i, [email('a', i)])));
    await sql(t.orm.em.fork(), `analyze customer, identity, event`);
    const b = await t.addWorkspace('Workspace B');
    await ingestOverHttp(b.adminKey, [...Array.from({ length: 800 }, (_, i) => visit('b', i, [email('b', i)])), ...Array.from({ length: 20 }, (_, i) => visit('b-phone', i, [phone(i)]))]);

    // new people, returning ones, and ones whose e-mail and phone were two customers until now
    const batch = [
      ...Array.from({ length: 100 }, (_, i) => visit('new', i, [email('new', i), phone(1000 + i)])),
      ...Array.from({ length: 40 }, (_, i) => visit('again', i, [email('b', i * 7)])),
      ...Array.from({ length: 20 }, (_, i) => visit('merge', i, [email('b', 500 + i), phone(i)])),
    ];
    const em = t.orm.em.fork();
    em.setFilterParams('workspace', { id: b.workspaceId });
    const { result, mode, reads } = await em.transactional(async (tx) => {
      const before = await indexReads(tx);
      const result = await ingestWithin(tx, { workspaceId: b.workspaceId, settings: DEFAULT_SETTINGS, now: new Date(), actorKeyId: null }, batch);
      const after = await indexReads(tx);
      const [{ mode }] = await sql<{ mode: string }>(tx, `select current_setting('plan_cache_mode') mode`);
      return { result, mode, reads: [...after].map(([index, count]) => [index, count - (before.get(index) ?? 0)] as const) };
    });
    expect(result).toMatchObject({ accepted: 160, customersCreated: 100, merges: 20, errors: [] });
    // the generic plans are ingestion's own: the caller's transaction goes on planned as before
    expect(mode).toBe('auto');

    // a probe reads an entry or two; a scan of the workspace reads 800 customers' entries at a time
    expect(reads.filter(([, count]) => count >= 400)).toEqual([]);
    expect(reads.reduce((sum, [, count]) => sum + count, 0)).toBeLessThan(2000);
  });
});
