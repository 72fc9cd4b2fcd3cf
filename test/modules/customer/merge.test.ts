import { Role } from '../../../src/graphql/enums';
import { codes, data, post } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = { ...operations('ingest.graphql'), ...operations('merge.graphql') };
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const track = (email: string, event: string, revenue?: number, extra: Record<string, unknown> = {}) => ({
  messageId: `mm-${++n}`,
  kind: 'TRACK',
  event,
  revenue,
  identifiers: [{ type: 'EMAIL', value: email }],
  ...extra,
});
const owner = async (email: string) => (await t.sql(`select customer_id from identity where value = ?`, [email]))[0].customer_id as string;

describe('manual merge and unmerge', () => {
  it('previews conflicts, merges by hand, and unmerges after further events, restoring both', async () => {
    await t.ingest([track('sv@m.test', 'order_completed', 100, { traits: { name: 'Survivor', city: 'Beijing' }, occurredAt: '2026-01-01T00:00:00Z' })]);
    await t.ingest([track('ab@m.test', 'order_completed', 40, { traits: { name: 'Absorbed', vip: true }, occurredAt: '2026-02-01T00:00:00Z' })]);
    const [survivorId, absorbedId] = [await owner('sv@m.test'), await owner('ab@m.test')];

    const { previewMerge } = await data(t.url, t.adminKey, op.PreviewMerge({ survivorId, absorbedId }));
    expect(previewMerge.conflicts).toEqual({ name: { survivor: 'Survivor', absorbed: 'Absorbed', winner: 'Absorbed' } });
    expect(previewMerge.violations).toEqual([]);

    const { mergeCustomers } = await data(t.url, t.adminKey, op.MergeCustomers({ survivorId, absorbedId }));
    expect(mergeCustomers).toMatchObject({ id: survivorId, totalSpend: 140, orderCount: 2, traits: { name: 'Absorbed', city: 'Beijing', vip: true } });
    expect(await owner('ab@m.test')).toBe(survivorId);

    await t.ingest([track('sv@m.test', 'order_completed', 7, { traits: { tier: 'gold' }, occurredAt: new Date(Date.now() + 1000).toISOString() })]);
    const [merge] = await t.sql(`select id from customer_merge where survivor_id = ? and absorbed_id = ?`, [survivorId, absorbedId]);
    const { unmergeCustomer } = await data(t.url, t.adminKey, op.UnmergeCustomer({ mergeId: merge.id }));
    const [survivor, absorbed] = unmergeCustomer;
    expect(survivor).toMatchObject({
      id: survivorId,
      displayName: 'Survivor',
      totalSpend: 107,
      orderCount: 2,
      traits: { name: 'Survivor', city: 'Beijing', tier: 'gold' },
    });
    expect(absorbed).toMatchObject({ id: absorbedId, displayName: 'Absorbed', totalSpend: 40, orderCount: 1, traits: { name: 'Absorbed', vip: true } });
    expect(await owner('ab@m.test')).toBe(absorbedId);
    const [{ events }] = await t.sql(`select count(*)::int events from event where customer_id = ?`, [absorbedId]);
    expect(events).toBe(1);
    expect(codes(await post(t.url, t.adminKey, op.UnmergeCustomer({ mergeId: merge.id })))).toEqual(['BAD_USER_INPUT']);
  });

  it('unmerges an automatic merge made by ingestion', async () => {
    await t.ingest([track('x1@m.test', 'signed_up')]);
    await t.ingest([{ messageId: `mm-${++n}`, kind: 'IDENTIFY', identifiers: [{ type: 'PHONE', value: '+8613700000001' }], traits: { name: 'Phone person' } }]);
    const result = await t.ingest([
      {
        messageId: `mm-${++n}`,
        kind: 'IDENTIFY',
        identifiers: [
          { type: 'EMAIL', value: 'x1@m.test' },
          { type: 'PHONE', value: '13700000001' },
        ],
      },
    ]);
    expect(result.merges).toBe(1);
    const [merge] = await t.sql(
      `select id, absorbed_id from customer_merge where absorbed_id = (select id from customer where display_name = 'Phone person' and merged_into_id is not null)`,
    );
    const { unmergeCustomer } = await data(t.url, t.adminKey, op.UnmergeCustomer({ mergeId: merge.id }));
    expect(unmergeCustomer[1]).toMatchObject({ id: merge.absorbed_id, displayName: 'Phone person' });
    expect(await owner('+8613700000001')).toBe(merge.absorbed_id);
  });

  it('refuses a merge that breaks an identity rule, and records the refusal', async () => {
    await t.ingest([{ messageId: `mm-${++n}`, kind: 'IDENTIFY', identifiers: [{ type: 'MEMBER_ID', value: 'R-1' }] }]);
    await t.ingest([{ messageId: `mm-${++n}`, kind: 'IDENTIFY', identifiers: [{ type: 'MEMBER_ID', value: 'R-2' }] }]);
    const [a, b] = [await owner('R-1'), await owner('R-2')];
    const { previewMerge } = await data(t.url, t.adminKey, op.PreviewMerge({ survivorId: a, absorbedId: b }));
    expect(previewMerge.violations).toEqual([expect.stringContaining('MEMBER_ID')]);
    const response = await post(t.url, t.adminKey, op.MergeCustomers({ survivorId: a, absorbedId: b }));
    expect(codes(response)).toEqual(['CONFLICT']);
    expect(await owner('R-2')).toBe(b);
    const [{ refused }] = await t.sql(`select count(*)::int refused from audit_entry where action = 'customer.merge_refused' and subject_id = ?`, [a]);
    expect(refused).toBe(1);
  });

  it('answers NOT_FOUND, BAD_USER_INPUT and FORBIDDEN where they belong', async () => {
    const id = await owner('sv@m.test');
    expect(codes(await post(t.url, t.adminKey, op.MergeCustomers({ survivorId: id, absorbedId: id })))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await post(t.url, t.adminKey, op.MergeCustomers({ survivorId: id, absorbedId: '01a205d7-4912-7722-b4ea-47a6f5f182ff' })))).toEqual([
      'NOT_FOUND',
    ]);
    expect(codes(await post(t.url, await t.addKey(Role.AGENT), op.UnmergeCustomer({ mergeId: id })))).toEqual(['FORBIDDEN']);
    const other = await t.addWorkspace('Other');
    expect(codes(await post(t.url, other.adminKey, op.PreviewMerge({ survivorId: id, absorbedId: await owner('R-1') })))).toEqual(['NOT_FOUND']);
  });
});

describe('privacy', () => {
  it('exports everything held on a customer as one document', async () => {
    await t.ingest([track('export@m.test', 'order_completed', 9, { traits: { name: 'Export Me' }, properties: { sku: 'A1' } })]);
    const id = await owner('export@m.test');
    const { exportCustomer } = await data(t.url, t.adminKey, op.ExportCustomer({ id }));
    expect(exportCustomer.customer.id).toBe(id);
    expect(exportCustomer.document.customer).toMatchObject({ display_name: 'Export Me', traits: { name: 'Export Me' } });
    expect(exportCustomer.document.identities).toEqual([expect.objectContaining({ type: 'EMAIL', value: 'export@m.test' })]);
    expect(exportCustomer.document.events).toEqual([expect.objectContaining({ type: 'order_completed', properties: { sku: 'A1' }, revenue: 9 })]);
  });

  it('exports the survivor when asked for a customer merged into it', async () => {
    await t.ingest([track('keep@m.test', 'page_viewed'), track('gone@m.test', 'page_viewed', undefined, { occurredAt: '2026-03-01T00:00:00Z' })]);
    const [survivorId, absorbedId] = [await owner('keep@m.test'), await owner('gone@m.test')];
    await data(t.url, t.adminKey, op.MergeCustomers({ survivorId, absorbedId }));
    const { exportCustomer } = await data(t.url, t.adminKey, op.ExportCustomer({ id: absorbedId }));
    expect(exportCustomer.customer.id).toBe(survivorId);
    expect(exportCustomer.document.customer.id).toBe(survivorId);
    expect(exportCustomer.document.identities.map((identity: { value: string }) => identity.value).sort()).toEqual(['gone@m.test', 'keep@m.test']);
    expect(exportCustomer.document.merges).toEqual([expect.objectContaining({ survivor_id: survivorId, absorbed_id: absorbedId, unmerged_at: null })]);
  });

  it('erases a customer in one transaction and refuses its identifiers afterwards', async () => {
    await t.ingest([track('forget@m.test', 'order_completed', 50, { traits: { name: 'Forget Me' } })]);
    const id = await owner('forget@m.test');
    expect((await data(t.url, t.adminKey, op.EraseCustomer({ id }))).eraseCustomer).toBe(true);
    const [row] = await t.sql(`select display_name, traits, erased_at from customer where id = ?`, [id]);
    expect(row).toMatchObject({ display_name: null, traits: {} });
    expect(row.erased_at).not.toBeNull();
    expect(await t.sql(`select 1 from identity where customer_id = ? union all select 1 from event where customer_id = ?`, [id, id])).toEqual([]);
    const again = await t.ingest([track(' FORGET@m.test', 'page_viewed')]);
    expect(again.errors).toEqual([expect.objectContaining({ index: 0, code: 'SUPPRESSED' })]);
    expect(again.accepted).toBe(0);
    const [audit] = await t.sql(`select details from audit_entry where action = 'customer.erased' and subject_id = ?`, [id]);
    expect(audit.details).toEqual({ identities: 1, events: 1 });
    expect(JSON.stringify(audit.details)).not.toContain('forget');
    expect(codes(await post(t.url, t.adminKey, op.ExportCustomer({ id })))).toEqual(['NOT_FOUND']);
    expect(codes(await post(t.url, await t.addKey(Role.MARKETER), op.EraseCustomer({ id })))).toEqual(['FORBIDDEN']);
  });
});
