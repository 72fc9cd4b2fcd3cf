import 'reflect-metadata';
import { isPurchase, purchaseSql } from '../../../src/modules/lifecycle/lifecycle.rules';
import { adminQuery } from '../../support/test-database';

const events = [
  { event: 'order_completed', revenue: 10 },
  { event: 'order_completed', revenue: 0 },
  { event: 'order_completed', revenue: null },
  { event: 'order_completed_app', revenue: 5 },
  { event: 'Order_Completed', revenue: 5 },
  { event: 'order_refunded', revenue: 5 },
  { event: 'my_order_completed', revenue: 5 },
  { event: 'identify', revenue: null },
];

describe('the purchase rule', () => {
  it('says the same in SQL as in TypeScript', async () => {
    const rows = await adminQuery<{ n: number; purchase: boolean }>(
      `select n, ${purchaseSql} purchase from unnest($1::int[], $2::text[], $3::numeric[]) event(n, type, revenue) order by n`,
      [events.map((_, i) => i), events.map((e) => e.event), events.map((e) => e.revenue)],
    );
    expect(rows.map((row) => row.purchase)).toEqual(events.map(isPurchase));
    expect(events.filter(isPurchase)).toHaveLength(3);
  });
});
