/** Wall-clock arithmetic in IANA time zones, with nothing but Intl (daylight saving included). */

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterOf = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

export function isTimeZone(name: string): boolean {
  try {
    formatterOf(name);
    return true;
  } catch {
    return false;
  }
}

/** HH:MM, 00:00 to 23:59, as minutes after midnight; undefined when malformed. */
export function parseClockTime(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** The local wall time of an instant, expressed as if it were UTC (so dates and minutes can be read off it). */
function wallOf(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** Minutes the zone is ahead of UTC at an instant. */
const offsetAt = (at: number, timeZone: string): number => Math.round((wallOf(at, timeZone) - Math.floor(at / 1000) * 1000) / MINUTE) * MINUTE;

/** The local minute of the day at an instant. */
export const localMinuteOfDay = (at: Date, timeZone: string): number => Math.floor((wallOf(at.getTime(), timeZone) % DAY) / MINUTE);

/** Whether a local minute of the day lies in [start, end), a window that may cross midnight. */
export function inWindow(minute: number, start: number, end: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The instant the zone's offset changes between two instants that have different offsets. */
function transitionBetween(from: number, to: number, timeZone: string): number {
  const before = offsetAt(from, timeZone);
  while (to - from > MINUTE) {
    const middle = from + Math.floor((to - from) / 2 / MINUTE) * MINUTE;
    if (offsetAt(middle, timeZone) === before) from = middle;
    else to = middle;
  }
  return to;
}

/**
 * The first instant at or after `at` whose local time lies outside [start, end). Candidates are the
 * instants at which the wall clock reads `end` (none on a spring-forward day when `end` falls in the
 * gap, two on a fall-back day) and the offset changes themselves; the earliest outside wins.
 */
export function windowEndAfter(at: Date, timeZone: string, start: number, end: number): Date {
  const from = at.getTime();
  const outside = (instant: number) => !inWindow(localMinuteOfDay(new Date(instant), timeZone), start, end);
  if (outside(from)) return at;
  const horizon = from + 2 * DAY;
  const offsets = new Set([offsetAt(from, timeZone), offsetAt(horizon, timeZone)]);
  const candidates: number[] = [];
  const firstDay = Math.floor(wallOf(from, timeZone) / DAY) * DAY;
  for (const day of [firstDay, firstDay + DAY, firstDay + 2 * DAY]) {
    for (const offset of offsets) {
      const instant = day + end * MINUTE - offset;
      if (wallOf(instant, timeZone) === day + end * MINUTE) candidates.push(instant);
    }
  }
  if (offsets.size > 1) candidates.push(transitionBetween(from, horizon, timeZone));
  const found = candidates.filter((instant) => instant >= from && outside(instant)).sort((a, b) => a - b)[0];
  return new Date(found ?? horizon);
}

/**
 * The week before the one `at` falls in, Monday to Monday in the zone: its first day (YYYY-MM-DD)
 * and its bounds as instants; and when this week's report of it is due (Monday `hour`:00, local).
 */
export function previousWeek(at: Date, timeZone: string, hour: number): { weekStart: string; from: Date; to: Date; dueAt: Date } {
  const wall = wallOf(at.getTime(), timeZone);
  const today = Math.floor(wall / DAY) * DAY;
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  const instant = (wallTime: number) => new Date(wallTime - offsetAt(wallTime - offsetAt(at.getTime(), timeZone), timeZone));
  return {
    weekStart: new Date(monday - 7 * DAY).toISOString().slice(0, 10),
    from: instant(monday - 7 * DAY),
    to: instant(monday),
    dueAt: instant(monday + hour * 60 * MINUTE),
  };
}
