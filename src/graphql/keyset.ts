import { isUuid } from '../db/ids';
import { isCursorTime } from './connection';

/** How a sort column's value is carried in a cursor. */
export type KeyKind = 'time' | 'number';
/** A keyset position: the sort value as exact text (microseconds, full numeric precision) and the id. */
export type Keyset = [string, string];

const KEY_PATTERNS: Record<KeyKind, RegExp> = {
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  number: /^-?\d{1,18}(\.\d{1,6})?$/,
};

/** SQL giving a sort column's value as the exact text a cursor carries (UTC, microseconds, for times). */
export const keyText = (expression: string, kind: KeyKind): string =>
  kind === 'time' ? `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : `${expression}::text`;

/** Whether a decoded cursor is `[sort value, id]` of the expected kind (a cursor of another sort is not). */
export const isKeyset =
  (kind: KeyKind) =>
  (key: unknown): key is Keyset =>
    Array.isArray(key) &&
    key.length === 2 &&
    typeof key[0] === 'string' &&
    KEY_PATTERNS[kind].test(key[0]) &&
    (kind !== 'time' || isCursorTime(key[0])) &&
    typeof key[1] === 'string' &&
    isUuid(key[1]);
