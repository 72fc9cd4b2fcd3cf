import 'reflect-metadata';
import { mayAgeSql, stageAt, type LifecycleFacts, type StageRules } from '../../../src/modules/lifecycle/lifecycle.rules';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings.types';
import { adminQuery } from '../../support/test-database';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const dayOrNull = (n: number | null) => (n === null ? null : day(n));

/** Facts as of `settledAt` (every date at or before it), with the stage stageAt gave them then. */
function fixtures(rules: StageRules) {
  const all: { facts: LifecycleFacts; settledAt: number; stage: string }[] = [];
  for (const settledAt of [25, 45, 100, 130, 200])
    for (const first of [null, 0])
      for (const last of first === null ? [null] : [0, 20, 120])
        for (const inbound of [null, 5, 40])
          for (const complaint of [null, 15, 25])
            for (const reactivated of last === 0 ? [null] : [null, last]) {
              if ([inbound, complaint, last, reactivated].some((at) => at !== null && at > settledAt)) continue;
              const facts = {
                firstPurchaseAt: dayOrNull(first),
                lastPurchaseAt: dayOrNull(last),
                lastInboundAt: dayOrNull(inbound),
                complaintAt: dayOrNull(complaint),
                reactivatedAt: dayOrNull(reactivated),
              };
              all.push({ facts, settledAt, stage: stageAt(facts, rules, day(settledAt)).stage });
            }
  return all;
}

/** The indexes of the fixtures the SQL condition selects at `now`. */
async function selected(rules: StageRules, now: Date, rows: ReturnType<typeof fixtures>): Promise<Set<number>> {
  const { sql, params } = mayAgeSql(rules, now);
  let n = 7;
  const condition = sql.replace(/\?/g, () => `$${n++}`);
  const found = await adminQuery<{ n: number }>(
    `select n from unnest($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
       customer(n, lifecycle_stage, first_purchase_at, last_purchase_at, last_inbound_at, reactivated_at)
     cross join (select 0 annual_spend) spend
     where ${condition}`,
    [
      rows.map((_, i) => i),
      rows.map((row) => row.stage),
      rows.map((row) => row.facts.firstPurchaseAt),
      rows.map((row) => row.facts.lastPurchaseAt),
      rows.map((row) => row.facts.lastInboundAt),
      rows.map((row) => row.facts.reactivatedAt),
      ...params,
    ],
  );
  return new Set(found.map((row) => row.n));
}

describe('lifecycle ageing', () => {
  it.each([
    ['the default thresholds', DEFAULT_SETTINGS],
    ['short ones', { newCustomerDays: 30, atRiskAfterDays: 10, churnedAfterDays: 20 }],
    ['a new-customer period shorter than the idle ones', { newCustomerDays: 30, atRiskAfterDays: 60, churnedAfterDays: 120 }],
  ])('selects, with %s, every customer whose stage time alone has changed (the sweep then recomputes them)', async (_, rules) => {
    const all = fixtures(rules);
    let left = 0;
    for (const settledAt of new Set(all.map((row) => row.settledAt))) {
      const rows = all.filter((row) => row.settledAt === settledAt);
      for (const later of [0, 1, 10, 30, 59, 60, 61, 89, 90, 91, 150, 179, 180, 181, 365]) {
        const now = day(settledAt + later);
        const chosen = await selected(rules, now, rows);
        const missed = rows.filter((row, i) => stageAt(row.facts, rules, now).stage !== row.stage && !chosen.has(i));
        expect(missed.map((row) => ({ ...row, now }))).toEqual([]);
        left += rows.length - chosen.size;
      }
    }
    expect(left).toBeGreaterThan(0); // and it does leave customers out
  });
});
