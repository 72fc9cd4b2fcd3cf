import type { Response } from 'express';
import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { logger } from '../telemetry/logger';

/** What a pooled pg client offers for building a COPY statement, which takes no bound parameters. */
export interface Quoting {
  escapeLiteral(value: string): string;
  escapeIdentifier(value: string): string;
}

/**
 * Streams `copy (<query>) to stdout` as CSV with a header straight to the response, on a pooled
 * connection of its own, so a large answer is never held in memory. `query` builds the statement
 * with the connection's quoting; `failed` answers when the statement fails before anything was sent.
 */
export async function streamCsv(orm: MikroORM, res: Response, filename: string, query: (quoting: Quoting) => string, failed: () => void): Promise<void> {
  const knex = orm.em.getConnection().getKnex() as Knex;
  const client = (await knex.client.acquireConnection()) as Quoting & { query(stream: unknown): NodeJS.ReadableStream };
  try {
    const statement = `copy (${query(client)}) to stdout with (format csv, header true)`;
    res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${filename}"`);
    await pipeline(client.query(copyTo(statement)), res);
  } catch (error) {
    logger.error({ err: error }, 'a CSV export failed');
    if (!res.headersSent) failed();
    else res.destroy(error as Error);
  } finally {
    await knex.client.releaseConnection(client);
  }
}

/** A statement's `?` placeholders as quoted literals, for COPY (the statement must have no `?` of its own). */
export function inlined(text: string, params: readonly unknown[], quoting: Quoting): string {
  let next = 0;
  const out = text.replace(/\?/g, () => {
    const value = params[next++];
    if (value === null || value === undefined) return 'null';
    return quoting.escapeLiteral(value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value));
  });
  if (next !== params.length) throw new Error(`inlined ${next} of ${params.length} parameters`);
  return out;
}
