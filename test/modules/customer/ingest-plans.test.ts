import type { EntityManager } from '@mikro-orm/postgresql';
import { graphql } from 'graphql';
import { systemClock } from '../../../src/clock';
import type { Context } from '../../../src/context';
import { sql } from '../../../src/db/sql';
import { IdentityType, IngestKind, Role } from '../../../src/graphql/enums';
import { createLoaders } from '../../../src/graphql/loaders';
import { buildGraphQLSchema } from '../../../src/graphql/schema';
import { ingestWithin } from '../../../src/modules/ingestion/ingestion.service';
import type { IngestEventInput } from '../../../src/modules/ingestion/ingestion.input';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings.types';
import { data } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('ingest.graphql');
const customerOp = operations('customer.graphql');
const mergeOp = operations('merge.graphql');
const preferenceOp = operations('preference.graphql');
const lifecycleOp = operations('lifecycle.graphql');
let t: TestServer;
let b: { workspaceId: string; adminKey: string };

beforeAll(async () => {
  t = await startTestServer();
  // the statistics see workspace A alone, so with the values bound they estimate any other workspace at one row
  await ingestOverHttp(
    t.adminKey,
    Array.from({ length: 600 }, (_, i) => visit('a', i, [email('a', i)])),
  );
  await t.sql(`analyze customer, identity, event`);
  b = await t.addWorkspace('Workspace B');
  await ingestOverHttp(b.adminKey, [
    ...Array.from({ length: 800 }, (_, i) => visit('b', i, [email('b', i)])),
    ...Array.from({ length: 20 }, (_, i) => visit('b-phone', i, [phone(i)])),
  ]);
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
     where i.indrelid in ('customer'::regclass, 'identity'::regclass, 'event'::regclass, 'customer_merge'::regclass)`,
  );
  return new Map(rows.map((row) => [row.index, Number(row.reads)]));
}

/** The index entries each index was read for while `work` ran, in one transaction of workspace B. */
async function readsDuring<T>(work: (tx: EntityManager) => Promise<T>): Promise<{ result: T; reads: (readonly [string, number])[] }> {
  const em = t.orm.em.fork();
  em.setFilterParams('workspace', { id: b.workspaceId });
  return em.transactional(async (tx) => {
    const before = await indexReads(tx);
    const result = await work(tx);
    const after = await indexReads(tx);
    // the generic plans are the probes' own: the caller's transaction goes on planned as before
    const [{ mode }] = await sql<{ mode: string }>(tx, `select current_setting('plan_cache_mode') mode`);
    expect(mode).toBe('auto');
    return { result, reads: [...after].map(([index, count]) => [index, count - (before.get(index) ?? 0)] as const) };
  });
}

const schema = buildGraphQLSchema();
/** Runs an operation through the schema as workspace B's admin, on `tx`. */
const run = (tx: EntityManager, operation: { query: string; variables?: Record<string, unknown> }) => {
  const context: Context = {
    requestId: 'plans',
    viewer: { workspaceId: b.workspaceId, role: Role.ADMIN, keyId: null, masked: false },
    em: tx,
    loaders: createLoaders(() => tx),
    bus: t.server.bus,
    clock: systemClock,
  };
  return graphql({ schema, source: operation.query, variableValues: operation.variables, contextValue: context });
};

/** A probe reads an entry or two; a scan of workspace B reads its 820 customers' entries at a time. */
function expectProbes(reads: (readonly [string, number])[]) {
  expect(reads.filter(([, count]) => count >= 400)).toEqual([]);
  expect(reads.reduce((sum, [, count]) => sum + count, 0)).toBeLessThan(2000);
}

/** Runs an operation on workspace B, checks it answered and probed by key, and gives its data. */
async function probe(operation: { query: string; variables?: Record<string, unknown> }) {
  const { result, reads } = await readsDuring((tx) => run(tx, operation));
  expect(result.errors).toBeUndefined();
  expectProbes(reads);
  return result.data as any;
}

describe('a workspace the planner statistics do not know yet', () => {
  it('ingests by probing keys: the index entries a batch reads follow the batch, not the size of the workspace', async () => {
    // new people, returning ones, and ones whose e-mail and phone were two customers until now
    const batch = [
      ...Array.from({ length: 100 }, (_, i) => visit('new', i, [email('new', i), phone(1000 + i)])),
      ...Array.from({ length: 40 }, (_, i) => visit('again', i, [email('b', i * 7)])),
      ...Array.from({ length: 20 }, (_, i) => visit('merge', i, [email('b', 500 + i), phone(i)])),
    ];
    const { result, reads } = await readsDuring((tx) =>
      ingestWithin(tx, { workspaceId: b.workspaceId, settings: DEFAULT_SETTINGS, now: new Date(), actorKeyId: null }, batch),
    );
    expect(result).toMatchObject({ accepted: 160, customersCreated: 100, merges: 20, errors: [] });
    expectProbes(reads);
  });

  it('reads a customer and a page of customers with what they hold by probing keys too', async () => {
    const customers = (await probe(customerOp.Customer360({ first: 20 }))).customers.edges.map((edge: any) => edge.node);
    expect(customers).toHaveLength(20);
    expect(customers.every((customer: any) => customer.identities.length >= 1 && customer.events.edges.length >= 1)).toBe(true);

    const { customer } = await probe(customerOp.Customer({ id: customers[0].id }));
    expect(customer).toMatchObject({ id: customers[0].id, identities: customers[0].identities });
  });

  it('looks customers up, tags, merges, unmerges, exports, erases and answers preferences by probing keys as well', async () => {
    const idOf = async (value: string) => (await probe(customerOp.CustomerByIdentity({ type: 'EMAIL', value }))).customerByIdentity.id;
    const [first, second] = [await idOf('b700@example.com'), await idOf('b701@example.com')];
    expect(first).not.toBe(second);
    await probe(customerOp.CustomerEvents({ id: first, first: 10 }));
    await probe(lifecycleOp.CustomerStage({ id: first }));
    expect((await probe(customerOp.TagCustomer({ id: first, tags: ['vip'] }))).tagCustomer.tags).toEqual(['vip']);
    await probe(
      preferenceOp.SetPreferences({
        customerId: first,
        input: { preferredChannels: ['EMAIL'], consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }] },
      }),
    );
    await probe(preferenceOp.CustomerPreferences({ id: first }));
    expect((await probe(preferenceOp.Contactability({ id: first, channel: 'EMAIL', purpose: 'MARKETING' }))).customer.contactability.allowed).toBe(true);
    await probe(preferenceOp.RecordContact({ customerId: first, channel: 'EMAIL', purpose: 'MARKETING' }));
    await probe(preferenceOp.RecommendedChannel({ id: first, purpose: 'MARKETING' }));
    await probe(mergeOp.PreviewMerge({ survivorId: first, absorbedId: second }));
    expect((await probe(mergeOp.MergeCustomers({ survivorId: first, absorbedId: second }))).mergeCustomers.id).toBe(first);
    const { customer } = await probe(customerOp.Customer({ id: first }));
    await probe(mergeOp.UnmergeCustomer({ mergeId: customer.merges[0].id }));
    expect((await probe(mergeOp.ExportCustomer({ id: first }))).exportCustomer.document.identities).toHaveLength(1);
    expect((await probe(mergeOp.EraseCustomer({ id: second }))).eraseCustomer).toBe(true);
  });
});
