import 'reflect-metadata';
import { LifecycleStage, ValueTier } from '../../../src/graphql/enums';
import { stageAt, tierOf, type LifecycleFacts } from '../../../src/modules/lifecycle/lifecycle.rules';
import { DEFAULT_SETTINGS } from '../../../src/modules/workspace/workspace-settings.types';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const facts = (overrides: Partial<LifecycleFacts> = {}): LifecycleFacts => ({
  firstPurchaseAt: day(0),
  lastPurchaseAt: day(0),
  lastInboundAt: null,
  complaintAt: null,
  reactivatedAt: null,
  ...overrides,
});
const stage = (f: LifecycleFacts, at: number) => stageAt(f, DEFAULT_SETTINGS, day(at)).stage;

describe('lifecycle rules', () => {
  it('puts each boundary on the later side', () => {
    expect(stage(facts({ firstPurchaseAt: null, lastPurchaseAt: null }), 500)).toBe(LifecycleStage.PROSPECT);
    expect(stage(facts(), 59)).toBe(LifecycleStage.NEW);
    expect(stage(facts({ lastInboundAt: day(40) }), 89)).toBe(LifecycleStage.NEW);
    expect(stage(facts({ lastInboundAt: day(40) }), 90)).toBe(LifecycleStage.ACTIVE);
    expect(stage(facts({ lastInboundAt: day(40) }), 100)).toBe(LifecycleStage.AT_RISK);
    expect(stage(facts(), 179)).toBe(LifecycleStage.AT_RISK);
    expect(stage(facts(), 180)).toBe(LifecycleStage.CHURNED);
  });

  it('makes a complaint AT_RISK until the next purchase, and a comeback REACTIVATED for the new-customer period', () => {
    expect(stage(facts({ complaintAt: day(10) }), 11)).toBe(LifecycleStage.AT_RISK);
    expect(stage(facts({ complaintAt: day(10), lastPurchaseAt: day(12) }), 13)).toBe(LifecycleStage.NEW);
    const back = facts({ lastPurchaseAt: day(300), reactivatedAt: day(300) });
    expect(stage(back, 301)).toBe(LifecycleStage.REACTIVATED);
    expect(stage({ ...back, lastInboundAt: day(380) }, 391)).toBe(LifecycleStage.ACTIVE);
  });

  it('tiers spend at the thresholds', () => {
    expect(tierOf(99_999.99, DEFAULT_SETTINGS)).toBe(ValueTier.MEDIUM);
    expect(tierOf(100_000, DEFAULT_SETTINGS)).toBe(ValueTier.HIGH);
    expect(tierOf(10_000, DEFAULT_SETTINGS)).toBe(ValueTier.MEDIUM);
    expect(tierOf(9_999, DEFAULT_SETTINGS)).toBe(ValueTier.BASIC);
  });
});
