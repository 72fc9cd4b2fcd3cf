import 'reflect-metadata';
import { isLiveRow, liveCustomerSql } from '../../../src/modules/customer/customer.sql';
import { adminQuery } from '../../support/test-database';

const rows = [
  { merged_into_id: null, erased_at: null },
  { merged_into_id: '0190f7a4-5c2e-7000-8000-000000000001', erased_at: null },
  { merged_into_id: null, erased_at: new Date('2026-01-01T00:00:00Z') },
  { merged_into_id: '0190f7a4-5c2e-7000-8000-000000000001', erased_at: new Date('2026-01-01T00:00:00Z') },
];

describe('a live customer', () => {
  it('is the same in SQL, with or without an alias, as in TypeScript', async () => {
    for (const alias of [undefined, 'c']) {
      const found = await adminQuery<{ live: boolean }>(
        `select ${liveCustomerSql(alias)} live from unnest($1::uuid[], $2::timestamptz[]) ${alias ?? 'customer'}(merged_into_id, erased_at)`,
        [rows.map((row) => row.merged_into_id), rows.map((row) => row.erased_at)],
      );
      expect(found.map((row) => row.live)).toEqual(rows.map(isLiveRow));
    }
    expect(rows.filter(isLiveRow)).toHaveLength(1);
  });
});
