import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';
import { IdentityType, type IngestKind } from '../graphql/enums';
import type { IngestEventInput } from '../modules/ingestion/ingestion.input';

export interface ParsedLine {
  item: IngestEventInput;
  label: number;
}

export type LineError = (line: number, message: string) => void;

/** Reads ingest items from NDJSON (one IngestEventInput per line) or CSV (by the file's extension). */
export function readItems(file: string, onBadLine: LineError): AsyncIterable<ParsedLine> {
  return /\.csv$/i.test(file) ? readCsv(file, onBadLine) : readNdjson(file, onBadLine);
}

async function* readNdjson(file: string, onBadLine: LineError): AsyncIterable<ParsedLine> {
  let line = 0;
  for await (const text of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    try {
      yield { item: toItem(JSON.parse(text)), label: line };
    } catch (error) {
      onBadLine(line, error instanceof Error ? error.message : String(error));
    }
  }
}

/**
 * CSV columns: messageId, kind, event, revenue, channel, occurredAt, source; one column per
 * identifier type in lower case (email, phone, member_id, wechat_openid, ...); `traits.<key>` and
 * `properties.<key>` columns fill those objects.
 */
async function* readCsv(file: string, onBadLine: LineError): AsyncIterable<ParsedLine> {
  const parser = fs.createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true, relax_column_count: true, trim: true, info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    try {
      const traits: Record<string, string> = {};
      const properties: Record<string, string> = {};
      const identifiers = [];
      for (const [column, value] of Object.entries(record)) {
        if (!value) continue;
        if (column.startsWith('traits.')) traits[column.slice(7)] = value;
        else if (column.startsWith('properties.')) properties[column.slice(11)] = value;
        else if ((Object.values(IdentityType) as string[]).includes(column.toUpperCase())) identifiers.push({ type: column.toUpperCase(), value });
      }
      yield {
        item: toItem({ ...record, identifiers, traits, properties, revenue: record.revenue ? Number(record.revenue) : undefined }),
        label: info.lines,
      };
    } catch (error) {
      onBadLine(info.lines, error instanceof Error ? error.message : String(error));
    }
  }
}

/** Checks the shape of one item; the ingestion service checks the rest. */
function toItem(raw: Record<string, unknown>): IngestEventInput {
  if (typeof raw !== 'object' || raw === null) throw new Error('not a JSON object');
  if (typeof raw.messageId !== 'string' || !raw.messageId) throw new Error('messageId is missing');
  const kind = String(raw.kind ?? (raw.event ? 'TRACK' : 'IDENTIFY')).toUpperCase();
  if (kind !== 'TRACK' && kind !== 'IDENTIFY') throw new Error(`kind must be TRACK or IDENTIFY, got ${kind}`);
  if (!Array.isArray(raw.identifiers) || raw.identifiers.length === 0) throw new Error('identifiers are missing');
  for (const identifier of raw.identifiers as { type?: unknown; value?: unknown }[]) {
    if (!(Object.values(IdentityType) as unknown[]).includes(identifier?.type) || typeof identifier.value !== 'string')
      throw new Error(`bad identifier ${JSON.stringify(identifier)}`);
  }
  const occurredAt = raw.occurredAt ? new Date(String(raw.occurredAt)) : undefined;
  if (occurredAt && Number.isNaN(occurredAt.getTime())) throw new Error(`occurredAt is not a time: ${raw.occurredAt}`);
  if (raw.revenue !== undefined && typeof raw.revenue !== 'number') throw new Error('revenue must be a number');
  return {
    messageId: raw.messageId,
    kind: kind as IngestKind,
    identifiers: raw.identifiers as IngestEventInput['identifiers'],
    traits: raw.traits,
    event: raw.event as string | undefined,
    properties: raw.properties,
    revenue: raw.revenue as number | undefined,
    channel: raw.channel as IngestEventInput['channel'],
    occurredAt,
    source: raw.source as string | undefined,
  };
}
