import pino from 'pino';

const STRING_LITERAL = /(?<![\w"])[eE]?'(?:[^']|'')*'/g;
const NUMBER_LITERAL = /(?<![\w$."])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w"])/gi;
// PostgreSQL quotes a value after a colon ('invalid input syntax for type uuid: "…"'), a name without one
const QUOTED_VALUE = /: "(?:[^"]|"")*"/g;
// PostgreSQL's DETAIL repeats the row or key: "Key (type, value)=(EMAIL, a@b.c) already exists."
const DETAIL_VALUES = /(\)=\(|row contains \()[^]*?(\)(?: already exists| is not present|\.|$))/g;

/**
 * The statement with its values taken out: knex and MikroORM inline parameter values into an
 * error's message, and those values are personal data that must not reach the logs.
 */
export function redactSql(text: string): string {
  return redactDetail(text.replace(STRING_LITERAL, "'?'").replace(NUMBER_LITERAL, '?').replace(QUOTED_VALUE, ': "?"'));
}

// MikroORM may append PostgreSQL's detail to the message (" - detail: Key (id)=(...) already exists.")
function redactDetail(text: string): string {
  return text.replace(DETAIL_VALUES, '$1?$2');
}

// the frames of a stack stay as they are (their line numbers are not values)
const redactStack = (stack: string): string =>
  stack
    .split('\n')
    .map((line) => (/^\s+at /.test(line) ? line : redactSql(line)))
    .join('\n');

const SQL_FIELDS = ['message', 'sql', 'query', 'internalQuery', 'where'];
const DROPPED_FIELDS = ['parameters', 'params', 'bindings', 'values'];

/** pino's error serializer, with statements and PostgreSQL's details redacted (the cause too). */
export function redactedError(error: unknown, depth = 0): unknown {
  const serialized = (error instanceof Error ? pino.stdSerializers.err(error) : error) as Record<string, unknown> | undefined;
  if (!serialized || typeof serialized !== 'object') return typeof serialized === 'string' ? redactSql(serialized) : serialized;
  const result: Record<string, unknown> = { ...serialized };
  for (const field of SQL_FIELDS) if (typeof result[field] === 'string') result[field] = redactSql(result[field] as string);
  if (typeof result.stack === 'string') result.stack = redactStack(result.stack);
  if (typeof result.detail === 'string') result.detail = redactDetail(result.detail);
  for (const field of DROPPED_FIELDS) delete result[field];
  if (result.cause && depth < 3) result.cause = redactedError(result.cause, depth + 1);
  return result;
}
