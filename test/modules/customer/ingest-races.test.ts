import { data } from '../../support/client';
import { operations } from '../../support/operations';
import { startTestServer, type TestServer } from '../../support/server';

const op = operations('ingest.graphql');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ config: { poolSize: 12 } });
});
afterAll(() => t.stop());

const item = (messageId: string, identifiers: { type: string; value: string }[], revenue?: number) => ({
  messageId,
  kind: 'TRACK',
  event: revenue ? 'order_completed' : 'page_viewed',
  revenue,
  identifiers,
});

/** Invariants that must hold after any interleaving. */
async function checkInvariants(round: string, expectedEvents: number, expectedSpend: number, emails: string[]) {
  const owners = await t.sql(
    `select i.value, i.customer_id, c.merged_into_id from identity i join customer c on c.id = i.customer_id where i.type = 'EMAIL' and i.value = any(?)`,
    [emails],
  );
  expect(owners).toHaveLength(emails.length);
  expect(owners.every((row: { merged_into_id: string | null }) => row.merged_into_id === null)).toBe(true);
  expect(new Set(owners.map((row: { customer_id: string }) => row.customer_id)).size).toBe(1);
  const [events] = await t.sql(`select count(*)::int n, count(distinct customer_id)::int owners from event where message_id like ?`, [`${round}-%`]);
  expect(events).toEqual({ n: expectedEvents, owners: 1 });
  const [customer] = await t.sql(`select total_spend, order_count from customer where id = ?`, [owners[0].customer_id]);
  expect(Number(customer.total_spend)).toBe(expectedSpend);
}

describe('concurrent ingestion', () => {
  it('never splits one person or loses an event when batches race on overlapping identifiers', async () => {
    for (let round = 0; round < 12; round++) {
      const r = `race${round}`;
      const [a, b, c] = ['a', 'b', 'c'].map((x) => ({ type: 'EMAIL', value: `${x}-${r}@race.test` }));
      // the three people start separate, then batches link them in opposite orders at the same time
      await data(t.url, t.adminKey, op.Ingest({ events: [item(`${r}-0a`, [a], 1), item(`${r}-0b`, [b], 2), item(`${r}-0c`, [c], 4)] }));
      const batches = [
        [item(`${r}-1`, [a, b], 8), item(`${r}-2`, [c], 16)],
        [item(`${r}-3`, [b, a], 32), item(`${r}-4`, [b, c])],
        [item(`${r}-5`, [c, a]), item(`${r}-6`, [a])],
        [item(`${r}-7`, [b]), item(`${r}-8`, [c, b], 64)],
      ];
      const results = await Promise.all(batches.map((events) => t.ingest(events)));
      expect(results.reduce((sum, result) => sum + result.accepted, 0)).toBe(8);
      expect(results.every((result) => result.errors.length === 0)).toBe(true);
      await checkInvariants(r, 11, 127, [a.value, b.value, c.value]);
    }
  });

  it('applies a resent batch once even when both copies arrive at the same moment', async () => {
    const events = Array.from({ length: 50 }, (_, i) => item(`dup-${i}`, [{ type: 'EMAIL', value: `dup${i % 5}@race.test` }], 10));
    const [first, second] = await Promise.all([0, 1].map(() => t.ingest(events)));
    expect(first.accepted + second.accepted).toBe(50);
    expect(first.duplicates + second.duplicates).toBe(50);
    const [{ spend }] = await t.sql(
      `select sum(total_spend)::float spend from customer where id in (select customer_id from identity where value like 'dup%@race.test')`,
    );
    expect(spend).toBe(500);
  });
});
