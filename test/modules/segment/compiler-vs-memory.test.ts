import { randomUUID } from 'node:crypto';
import { CompareOp } from '../../../src/graphql/enums';
import { compileRule } from '../../../src/modules/segment/segment.sql';
import { ruleProblems } from '../../../src/modules/segment/segment.rules';
import type { Rule } from '../../../src/modules/segment/segment-rule.types';
import { startTestServer, type TestServer } from '../../support/server';

/** A seeded pseudo-random generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)], int: (max: number) => Math.floor(next() * max) };
}

const STAGES = ['PROSPECT', 'NEW', 'ACTIVE', 'AT_RISK'];
const TIERS = ['HIGH', 'MEDIUM', 'BASIC'];
const TAGS = ['vip', 'wechat', 'b2b'];
const CITIES = ['Shanghai', 'Beijing', 'Shenzhen'];
const EVENTS = ['order_completed', 'page_viewed'];
const NOW = new Date('2026-06-01T00:00:00Z');

interface Person {
  id: string;
  stage: string;
  tier: string;
  spend: number;
  tags: string[];
  traits: Record<string, unknown>;
  phone: boolean;
  consent: boolean;
  events: { name: string; daysAgo: number; revenue: number | null; category: string }[];
}

function people(count: number, r: ReturnType<typeof random>): Person[] {
  return Array.from({ length: count }, () => {
    const traits: Record<string, unknown> = {};
    if (r.next() < 0.8) traits.city = r.pick(CITIES);
    if (r.next() < 0.7) traits.age = 18 + r.int(60);
    return {
      id: randomUUID(),
      stage: r.pick(STAGES),
      tier: r.pick(TIERS),
      spend: r.int(5000),
      tags: TAGS.filter(() => r.next() < 0.3),
      traits,
      phone: r.next() < 0.5,
      consent: r.next() < 0.5,
      events: Array.from({ length: r.int(5) }, () => ({
        name: r.pick(EVENTS),
        daysAgo: r.int(120),
        revenue: r.next() < 0.5 ? 10 + r.int(500) : null,
        category: r.pick(['shoes', 'bags']),
      })),
    };
  });
}

const cmp = (a: number, op: CompareOp, b: number) =>
  (({ EQ: a === b, NEQ: a !== b, GT: a > b, GTE: a >= b, LT: a < b, LTE: a <= b }) as Record<string, boolean>)[op];

/** The plain reading of a rule, person by person. */
function holds(rule: Rule, p: Person): boolean {
  if (rule.and) return rule.and.every((child) => holds(child, p));
  if (rule.or) return rule.or.some((child) => holds(child, p));
  if (rule.not) return !holds(rule.not, p);
  if (rule.field) {
    const { field, op, value } = rule.field;
    if (field === 'TAG')
      return op === 'EQ'
        ? p.tags.includes(value as string)
        : op === 'NEQ'
          ? !p.tags.includes(value as string)
          : op === 'IN'
            ? (value as string[]).some((v) => p.tags.includes(v))
            : !(value as string[]).some((v) => p.tags.includes(v));
    if (field === 'TOTAL_SPEND') return cmp(p.spend, op, value as number);
    const actual = field === 'LIFECYCLE_STAGE' ? p.stage : p.tier;
    return op === 'EQ'
      ? actual === value
      : op === 'NEQ'
        ? actual !== value
        : op === 'IN'
          ? (value as string[]).includes(actual)
          : !(value as string[]).includes(actual);
  }
  if (rule.trait) {
    const { key, op, value } = rule.trait;
    const actual = p.traits[key];
    if (op === 'EXISTS') return actual !== undefined;
    if (op === 'NOT_EXISTS') return actual === undefined;
    if (op === 'EQ') return actual === value;
    if (op === 'NEQ') return actual !== value;
    if (op === 'IN') return (value as unknown[]).includes(actual);
    if (op === 'CONTAINS') return typeof actual === 'string' && actual.toLowerCase().includes(String(value).toLowerCase());
    return typeof actual === 'number' && cmp(actual, op, value as number);
  }
  if (rule.identity) return p.phone === rule.identity.exists;
  if (rule.consent) return p.consent === rule.consent.granted;
  const event = rule.event!;
  const matching = p.events.filter(
    (e) => e.name === event.name && (!event.within || e.daysAgo <= event.within.days) && (event.where ?? []).every((w) => e.category === w.value),
  );
  if (!event.count && !event.revenueSum) return matching.length > 0;
  const sum = matching.reduce((total, e) => total + (e.revenue ?? 0), 0);
  return (
    (!event.count || cmp(matching.length, event.count.op, event.count.value)) && (!event.revenueSum || cmp(sum, event.revenueSum.op, event.revenueSum.value))
  );
}

function randomRule(r: ReturnType<typeof random>, depth = 0): Rule {
  const roll = r.next();
  if (depth < 3 && roll < 0.3) {
    const children = Array.from({ length: 1 + r.int(3) }, () => randomRule(r, depth + 1));
    return r.next() < 0.5 ? { and: children } : { or: children };
  }
  if (depth < 3 && roll < 0.4) return { not: randomRule(r, depth + 1) };
  const ordered = [CompareOp.EQ, CompareOp.NEQ, CompareOp.GT, CompareOp.GTE, CompareOp.LT, CompareOp.LTE];
  switch (r.int(7)) {
    case 0:
      return {
        field:
          r.next() < 0.5
            ? { field: 'LIFECYCLE_STAGE' as never, op: r.pick([CompareOp.EQ, CompareOp.NEQ]), value: r.pick(STAGES) }
            : { field: 'VALUE_TIER' as never, op: r.pick([CompareOp.IN, CompareOp.NOT_IN]), value: [r.pick(TIERS), r.pick(TIERS)] },
      };
    case 1:
      return r.next() < 0.5
        ? { field: { field: 'TOTAL_SPEND' as never, op: r.pick(ordered), value: r.int(5000) } }
        : { field: { field: 'TAG' as never, op: r.pick([CompareOp.EQ, CompareOp.NEQ]), value: r.pick(TAGS) } };
    case 2:
      return {
        trait:
          r.next() < 0.5
            ? {
                key: 'city',
                op: r.pick([CompareOp.EQ, CompareOp.NEQ, CompareOp.EXISTS, CompareOp.NOT_EXISTS, CompareOp.CONTAINS, CompareOp.IN]),
                value: undefined,
              }
            : { key: 'age', op: r.pick(ordered), value: 18 + r.int(60) },
      };
    case 3:
      return { identity: { type: 'PHONE' as never, exists: r.next() < 0.5 } };
    case 4:
      return { consent: { channel: 'SMS' as never, purpose: 'MARKETING' as never, granted: r.next() < 0.5 } };
    default:
      return {
        event: {
          name: r.pick(EVENTS),
          within: r.next() < 0.6 ? { days: 1 + r.int(100) } : undefined,
          where: r.next() < 0.3 ? [{ key: 'category', op: CompareOp.EQ, value: r.pick(['shoes', 'bags']) }] : undefined,
          count: r.next() < 0.5 ? { op: r.pick(ordered), value: r.int(4) } : undefined,
          revenueSum: r.next() < 0.3 ? { op: r.pick(ordered), value: r.int(800) } : undefined,
        },
      };
  }
}

/** Fills in values the generator left open (trait city by operator). */
function complete(rule: Rule, r: ReturnType<typeof random>): Rule {
  if (rule.and) return { and: rule.and.map((child) => complete(child, r)) };
  if (rule.or) return { or: rule.or.map((child) => complete(child, r)) };
  if (rule.not) return { not: complete(rule.not, r) };
  if (rule.trait?.key === 'city') {
    const op = rule.trait.op;
    const value =
      op === 'EXISTS' || op === 'NOT_EXISTS'
        ? undefined
        : op === 'IN'
          ? [r.pick(CITIES), r.pick(CITIES)]
          : op === 'CONTAINS'
            ? r.pick(['shang', 'JING', 'zz'])
            : r.pick(CITIES);
    return { trait: { key: 'city', op, ...(value === undefined ? {} : { value }) } };
  }
  return JSON.parse(JSON.stringify(rule)) as Rule;
}

let t: TestServer;
let crowd: Person[];
let workspaceId: string;

beforeAll(async () => {
  t = await startTestServer();
  workspaceId = t.workspaceId;
  crowd = people(80, random(7));
  for (const p of crowd) {
    await t.sql(
      `insert into customer (id, workspace_id, traits, trait_times, tags, lifecycle_stage, value_tier, total_spend, order_count, first_seen_at, last_seen_at, created_at, updated_at)
       values (?, ?, ?::jsonb, '{}', ?::text[], ?, ?, ?, 0, now(), now(), now(), now())`,
      [p.id, workspaceId, JSON.stringify(p.traits), p.tags, p.stage, p.tier, p.spend],
    );
    if (p.phone)
      await t.sql(
        `insert into identity (id, workspace_id, customer_id, type, value, verified, first_seen_at, last_seen_at) values (?, ?, ?, 'PHONE', ?, true, now(), now())`,
        [randomUUID(), workspaceId, p.id, `+86${p.id.slice(0, 8)}`],
      );
    await t.sql(`insert into consent (id, workspace_id, customer_id, channel, purpose, granted, updated_at) values (?, ?, ?, 'SMS', 'MARKETING', ?, now())`, [
      randomUUID(),
      workspaceId,
      p.id,
      p.consent,
    ]);
    for (const e of p.events) {
      await t.sql(
        `insert into event (id, workspace_id, customer_id, message_id, type, properties, revenue, occurred_at, received_at) values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, now())`,
        [
          randomUUID(),
          workspaceId,
          p.id,
          randomUUID(),
          e.name,
          JSON.stringify({ category: e.category }),
          e.revenue,
          new Date(NOW.getTime() - e.daysAgo * 86_400_000 + 60_000),
        ],
      );
    }
  }
}, 60_000);
afterAll(() => t.stop());

describe('the segment compiler', () => {
  it('selects exactly whom a plain in-memory reading selects, for 300 random rules, probing per customer and as whole sets', async () => {
    const r = random(42);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const rule = complete(randomRule(r), r);
      expect(ruleProblems(rule)).toEqual([]);
      const fromMemory = crowd
        .filter((p) => holds(rule, p))
        .map((p) => p.id)
        .sort();
      for (const plan of [{ kind: 'CORRELATED' as const }, { kind: 'SET' as const, workspaceId }]) {
        const { sql: predicate, params } = compileRule(rule, NOW, [], plan);
        const rows = await t.sql<{ id: string }>(`select c.id from customer c where c.workspace_id = ? and ${predicate}`, [workspaceId, ...params]);
        const fromSql = rows.map((row) => row.id).sort();
        if (JSON.stringify(fromSql) !== JSON.stringify(fromMemory))
          throw new Error(`rule ${i} (${plan.kind}) disagrees: ${JSON.stringify(rule)}\nSQL ${fromSql.length}, memory ${fromMemory.length}`);
      }
      checked++;
    }
    expect(checked).toBe(300);
  }, 60_000);
});
