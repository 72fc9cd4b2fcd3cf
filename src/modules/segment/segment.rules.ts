import { CompareOp, CustomerField } from '../../graphql/enums';
import type { Rule } from './segment-rule.types';

export const MAX_DEPTH = 10;

const { EQ, NEQ, GT, GTE, LT, LTE, IN, NOT_IN, CONTAINS, STARTS_WITH, EXISTS, NOT_EXISTS } = CompareOp;
const ORDERED = [EQ, NEQ, GT, GTE, LT, LTE];
const PRESENCE = [EXISTS, NOT_EXISTS];

type Kind = 'enum' | 'number' | 'time' | 'tag' | 'text';
export const FIELD_KIND: Record<CustomerField, Kind> = {
  [CustomerField.LIFECYCLE_STAGE]: 'enum',
  [CustomerField.VALUE_TIER]: 'enum',
  [CustomerField.PREFERRED_CHANNEL]: 'enum',
  [CustomerField.TOTAL_SPEND]: 'number',
  [CustomerField.ORDER_COUNT]: 'number',
  [CustomerField.FIRST_SEEN_AT]: 'time',
  [CustomerField.LAST_SEEN_AT]: 'time',
  [CustomerField.LAST_PURCHASE_AT]: 'time',
  [CustomerField.TAG]: 'tag',
  [CustomerField.LANGUAGE]: 'text',
};
const OPS: Record<Kind, CompareOp[]> = {
  enum: [EQ, NEQ, IN, NOT_IN, ...PRESENCE],
  number: [...ORDERED, IN, NOT_IN, ...PRESENCE],
  time: [...ORDERED, ...PRESENCE],
  tag: [EQ, NEQ, IN, NOT_IN, ...PRESENCE],
  text: [EQ, NEQ, IN, NOT_IN, CONTAINS, STARTS_WITH, ...PRESENCE],
};

export interface RuleProblem {
  path: string;
  message: string;
}

const isTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** Checks a comparison's value against its operator and the kind of thing compared. */
function checkValue(path: string, kind: Kind | 'json', op: CompareOp, value: unknown): string | null {
  if (kind !== 'json' && !OPS[kind].includes(op)) return `${op} does not apply to ${kind === 'tag' ? 'tags' : `a ${kind} value`}`;
  if (PRESENCE.includes(op)) return value === undefined || value === null ? null : `${op} takes no value`;
  if (op === IN || op === NOT_IN) {
    if (!Array.isArray(value) || value.length === 0 || value.length > 1000) return `${op} needs a list of 1 to 1,000 values`;
    // each item as if compared alone: a list of numbers for a number, no nulls, no nested lists
    const wrong = value.map((item) => (Array.isArray(item) ? 'lists do not nest' : checkValue(path, kind, EQ, item))).find((problem) => problem !== null);
    return wrong ? `every value of ${op}: ${wrong}` : null;
  }
  if (value === undefined || value === null) return `${op} needs a value`;
  if ((op === CONTAINS || op === STARTS_WITH) && typeof value !== 'string') return `${op} needs a string`;
  if (kind === 'number' && typeof value !== 'number') return 'the value must be a number';
  if (kind === 'time' && !isTime(value)) return 'the value must be an ISO date-time';
  if ((kind === 'enum' || kind === 'text' || kind === 'tag') && typeof value !== 'string') return 'the value must be a string';
  if (kind === 'json' && [GT, GTE, LT, LTE].includes(op) && typeof value !== 'number' && !isTime(value)) return `${op} needs a number or a date-time`;
  return null;
}

const countOps = [EQ, NEQ, GT, GTE, LT, LTE];

/**
 * Every problem of a rule tree, each with the path of its node (`rule.and[1].event.count`):
 * exactly one key per node, operators that fit, values of the right type, depth at most 10.
 * Segment references are checked by the caller, which can see the stored segments.
 */
export function ruleProblems(rule: Rule, path = 'rule', depth = 1): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (where: string, message: string) => problems.push({ path: where, message });
  if (!rule || typeof rule !== 'object') return [{ path, message: 'a rule node must be an object' }];
  const keys = Object.keys(rule).filter((key) => (rule as Record<string, unknown>)[key] !== undefined && (rule as Record<string, unknown>)[key] !== null);
  if (keys.length !== 1) return [{ path, message: `a rule node has exactly one key, this one has ${keys.length ? keys.join(', ') : 'none'}` }];
  if (depth > MAX_DEPTH) return [{ path, message: `rules nest at most ${MAX_DEPTH} deep` }];
  const [key] = keys;
  const at = `${path}.${key}`;
  const window = (within: { days: number } | undefined, where: string) => {
    if (within && (!Number.isInteger(within.days) || within.days < 1 || within.days > 3650)) add(`${where}.within.days`, 'must be 1 to 3650');
  };
  const counted = (count: { op: CompareOp; value: number } | undefined, where: string) => {
    if (count && !countOps.includes(count.op)) add(where, `${count.op} does not apply to a count or an amount`);
  };
  switch (key) {
    case 'and':
    case 'or': {
      const children = rule[key]!;
      if (!children.length) add(at, 'needs at least one rule');
      children.forEach((child, i) => problems.push(...ruleProblems(child, `${at}[${i}]`, depth + 1)));
      break;
    }
    case 'not':
      problems.push(...ruleProblems(rule.not!, at, depth + 1));
      break;
    case 'field': {
      const problem = checkValue(at, FIELD_KIND[rule.field!.field], rule.field!.op, rule.field!.value);
      if (problem) add(at, `${rule.field!.field}: ${problem}`);
      break;
    }
    case 'trait': {
      if (!rule.trait!.key.trim() || rule.trait!.key.length > 200) add(`${at}.key`, 'must be 1 to 200 characters');
      const problem = checkValue(at, 'json', rule.trait!.op, rule.trait!.value);
      if (problem) add(at, problem);
      break;
    }
    case 'event': {
      const event = rule.event!;
      if (!event.name.trim()) add(`${at}.name`, 'is required');
      (event.where ?? []).forEach((condition, i) => {
        const problem = checkValue(`${at}.where[${i}]`, 'json', condition.op, condition.value);
        if (problem) add(`${at}.where[${i}]`, problem);
      });
      window(event.within, at);
      counted(event.count, `${at}.count`);
      counted(event.revenueSum, `${at}.revenueSum`);
      break;
    }
    case 'conversation':
      window(rule.conversation!.within, at);
      counted(rule.conversation!.count, `${at}.count`);
      break;
    case 'contact':
      window(rule.contact!.within, at);
      break;
    case 'sentiment':
      if (!(rule.sentiment!.below >= -1 && rule.sentiment!.below <= 1)) add(`${at}.below`, 'must be from -1 to 1');
      window(rule.sentiment!.within, at);
      break;
    case 'survey':
      window(rule.survey!.within, at);
      counted(rule.survey!.score, `${at}.score`);
      break;
    default:
      break;
  }
  return problems;
}

/** Whether some leaf of a rule passes `test`. */
function anyLeaf(rule: Rule, test: (leaf: Rule) => boolean): boolean {
  if (rule.and) return rule.and.some((part) => anyLeaf(part, test));
  if (rule.or) return rule.or.some((part) => anyLeaf(part, test));
  if (rule.not) return anyLeaf(rule.not, test);
  return test(rule);
}

/** Whether a rule has a window relative to now (so its membership moves with time). */
export const hasWindow = (rule: Rule): boolean =>
  anyLeaf(rule, (leaf) => Boolean(leaf.event?.within ?? leaf.conversation?.within ?? leaf.survey?.within ?? leaf.sentiment?.within ?? leaf.contact));

/** Whether a rule looks at events (whose whole-workspace evaluation builds per-customer sets). */
export const hasEvents = (rule: Rule): boolean => anyLeaf(rule, (leaf) => Boolean(leaf.event));

/** The segments a rule refers to. */
export function referencedSegments(rule: Rule): string[] {
  if (rule.and) return rule.and.flatMap(referencedSegments);
  if (rule.or) return rule.or.flatMap(referencedSegments);
  if (rule.not) return referencedSegments(rule.not);
  return rule.segment ? [rule.segment.segmentId] : [];
}
