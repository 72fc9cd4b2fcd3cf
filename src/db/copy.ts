import { finished } from 'node:stream/promises';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { countStatement } from '../telemetry/request-scope';

/** A text[] value for {@link copyInto}, in PostgreSQL's array syntax. */
export class TextArray {
  constructor(readonly values: readonly string[]) {}

  toString(): string {
    return `{${this.values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  }
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escape = (text: string): string => (SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : text);

/** One field in COPY's text format: null, text, number, boolean, time, text[] or (any other object) JSON. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escape(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof TextArray) return escape(value.toString());
  return escape(JSON.stringify(value));
}

/**
 * Appends rows to a table with COPY, in the EntityManager's transaction: for large inserts on hot
 * paths, where PostgreSQL reads COPY's text format at a fraction of the cost of a JSON parameter.
 */
export async function copyInto(em: EntityManager, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (!rows.length) return;
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (!transaction) return em.transactional((tx) => copyInto(tx, table, columns, rows));
  countStatement();
  let text = '';
  for (const row of rows) text += row.map(field).join('\t') + '\n';
  // inside a transaction knex hands out the transaction's own connection
  const connection = (await transaction.client.acquireConnection()) as PoolClient;
  const stream = connection.query(copyFrom(`copy ${table} (${columns.map((column) => `"${column}"`).join(', ')}) from stdin`));
  stream.end(text);
  await finished(stream);
}
