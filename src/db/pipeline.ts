import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import pg, { type PoolClient } from 'pg';
import { countStatement } from '../telemetry/request-scope';
import { forgetSession, SET_WORKSPACE, workspaceSwitch, type CarriesWorkspace } from './workspace-session';

/** A statement with `?` placeholders, each bound as a parameter (arrays as PostgreSQL arrays). */
export interface Statement {
  text: string;
  params?: readonly unknown[];
  /**
   * Prepared once per connection and then only bound and executed: for statements run again and
   * again that are planned for any parameters anyway (see `byKey`), where parsing and planning each
   * time is most of what they cost the server.
   */
  prepared?: boolean;
}

/** Rows to append to a table with COPY, in its text format: for large inserts, where PostgreSQL reads text at a fraction of a JSON parameter's cost. */
export interface Copy {
  table: string;
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
}

export type Step = Statement | Copy;

/** pg's own conversion of a parameter to its wire form (not in @types/pg). */
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils;
export type Row = Record<string, any>;

/** A text[] value for a {@link Copy}, in PostgreSQL's array syntax. */
export class TextArray {
  constructor(readonly values: readonly string[]) {}

  toString(): string {
    return `{${this.values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  }
}

/**
 * Sends steps on the EntityManager's transaction in one write, with one Sync: the server runs them
 * in order, each statement on a snapshot taken when it starts, and answers once. A transaction that
 * holds locks spends one round trip on them instead of one per step. When a step fails, the server
 * skips the rest and the promise rejects with that step's error. Resolves to each step's rows.
 */
export async function pipeline(em: EntityManager, steps: readonly Step[]): Promise<Row[][]> {
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (!transaction) return em.transactional((tx) => pipeline(tx, steps));
  const sent = steps.filter((step) => !isEmptyCopy(step));
  if (!sent.length) return steps.map(() => []);
  // inside a transaction knex hands out the transaction's own connection
  const results = await send((await transaction.client.acquireConnection()) as PoolClient, sent);
  let next = 0;
  return steps.map((step) => (isEmptyCopy(step) ? [] : results[next++]));
}

/**
 * {@link pipeline} for reads. Without a transaction the statements run on a pooled connection, not
 * in a transaction of their own: up to the Sync they share an implicit one, so what one sets with
 * `set_config(..., true)` lasts for those after it and ends with them.
 */
export async function readPipeline(em: EntityManager, statements: readonly Statement[]): Promise<Row[][]> {
  if (em.getTransactionContext()) return pipeline(em, statements);
  const { client } = em.getConnection().getKnex();
  const connection = (await client.acquireConnection()) as PoolClient;
  try {
    return await send(connection, statements).catch((error: unknown) => {
      if (!isStalePlan(error)) throw error;
      return send(connection, statements); // prepared again, against the table as it is now
    });
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A prepared statement whose table changed shape since (a migration while the server runs). */
const isStalePlan = (error: unknown): boolean => (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String(error));

/** The last pipeline handed to each connection: loaders that share a transaction's connection take turns on it. */
const lastOn = new WeakMap<PoolClient, Promise<unknown>>();

/** Sends the steps once the connection's earlier pipelines have settled: pg 8 queues a query behind another on one client, but that is deprecated, and pg 9 refuses it. */
function send(connection: PoolClient, steps: readonly Step[]): Promise<Row[][]> {
  for (let i = 0; i < steps.length; i++) countStatement();
  const wire = steps.flatMap(toWire);
  const submit = () =>
    new Promise<Row[][]>((resolve, reject) => {
      // decided when the pipeline goes out, behind the connection's earlier ones
      const workspace = workspaceSwitch(connection);
      const sent = workspace === undefined ? wire : [{ text: SET_WORKSPACE, values: [workspace], helper: true, name: statementName(SET_WORKSPACE) }, ...wire];
      const settle = (error: Error | null, rows?: Row[][]) => {
        if (error) {
          forgetSession(connection);
          reject(error);
        } else resolve(rows!.filter((_, i) => !sent[i].helper));
      };
      connection.query(new Pipelined(sent, connection, settle) as never);
    });
  const previous = lastOn.get(connection);
  const sent = previous ? previous.then(submit, submit) : submit();
  lastOn.set(connection, sent);
  const forget = () => lastOn.get(connection) === sent && lastOn.delete(connection);
  sent.then(forget, forget);
  return sent;
}

const isEmptyCopy = (step: Step): boolean => 'rows' in step && step.rows.length === 0;

interface WireStep {
  text: string;
  values: (string | Buffer | null)[];
  /** COPY data, sent right behind the command. */
  data?: Buffer;
  /** A statement of ours around the caller's, whose rows the caller does not get. */
  helper?: boolean;
  /** Its prepared statement's name, for a {@link Statement.prepared} one. */
  name?: string;
}

/**
 * A statement as the server gets it. PostgreSQL refuses COPY FROM into a table under row-level
 * security, so the rows are copied into a temporary table of the session first (no policies, no
 * WAL) and moved in one INSERT, which the policies check.
 */
function toWire(step: Step): WireStep[] {
  if ('rows' in step) {
    const columns = step.columns.map((column) => `"${column}"`).join(', ');
    const staging = `pg_temp."cdp_copy_${step.table}"`;
    return [
      { text: `create temp table if not exists "cdp_copy_${step.table}" (like "${step.table}" including defaults)`, values: [], helper: true },
      { text: `copy ${staging} (${columns}) from stdin`, values: [], data: Buffer.from(copyText(step.rows)), helper: true },
      { text: `with moved as (delete from ${staging} returning ${columns}) insert into "${step.table}" (${columns}) select ${columns} from moved`, values: [] },
    ];
  }
  const text = numbered(step.text);
  return [{ text, values: (step.params ?? []).map((value) => prepareValue(value)), name: step.prepared ? statementName(text) : undefined }];
}

const names = new Map<string, string>();

/** A prepared statement's name: the same text has the same name on every connection. */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= 10_000) names.clear();
    names.set(text, (name = `cdp_${createHash('sha1').update(text).digest('base64url')}`));
  }
  return name;
}

const PREPARED_PER_CONNECTION = 200;

/**
 * The statements a connection's session has prepared, least recently used first: true when it has,
 * false when it may have (the pipeline that parsed it failed, and the server skipped what followed).
 */
const preparedOn = new WeakMap<PgConnection, Map<string, boolean>>();

function preparedStatements(connection: PgConnection): Map<string, boolean> {
  let prepared = preparedOn.get(connection);
  if (!prepared) preparedOn.set(connection, (prepared = new Map()));
  return prepared;
}

/** `?` placeholders outside quoted literals, quoted names and comments become `$1`, `$2`, ... */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\?/g, (match) => (match === '?' ? `$${++n}` : match));
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escape = (text: string): string => (SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : text);

/** One field in COPY's text format: null, text, number, boolean, time, text[] or (any other object) JSON. */
function field(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escape(value);
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return '\\N';
    default:
      if (value === null) return '\\N';
      if (value instanceof Date) return value.toISOString();
      return escape(value instanceof TextArray ? value.toString() : JSON.stringify(value));
  }
}

function copyText(rows: readonly (readonly unknown[])[]): string {
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) text += (i ? '\t' : '') + field(row[i]);
    text += '\n';
  }
  return text;
}

const COPY_DATA = 0x64;
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** The part of pg's connection a submitted query writes to. */
interface PgConnection {
  parse(message: { text: string; name?: string }): void;
  bind(message: { values: (string | Buffer | null)[]; statement?: string }): void;
  close(message: { type: 'S'; name: string }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: Record<string, never>): void;
  sync(): void;
  stream: { write(data: Buffer): boolean; cork(): void; uncork(): void };
}

interface Field {
  name: string;
  dataTypeID: number;
}

/**
 * A submittable for pg's query queue: every step as Parse, Bind, Describe, Execute (and COPY data
 * right behind a COPY, not waiting for the server's CopyInResponse), then one Sync. After an error
 * the server ignores everything up to that Sync, as the extended query protocol specifies.
 */
class Pipelined implements CarriesWorkspace {
  readonly carriesWorkspace = true;
  /** pg wraps this for its query timeout. */
  callback: (error?: Error) => void = () => {};
  private readonly results: Row[][] = [];
  private rows: Row[] = [];
  private fields: { name: string; parse: (text: string) => unknown }[] = [];
  private prepared?: Map<string, boolean>;

  constructor(
    private readonly steps: WireStep[],
    private readonly client: PoolClient,
    private readonly settle: (error: Error | null, results?: Row[][]) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.stream.cork();
    try {
      this.prepared = preparedStatements(connection);
      this.makeRoom(connection);
      for (const step of this.steps) {
        if (step.name) this.prepare(connection, step.name, step.text);
        else connection.parse({ text: step.text });
        connection.bind({ values: step.values, statement: step.name });
        connection.describe({ type: 'P', name: '' });
        connection.execute({});
        if (step.data) {
          const header = Buffer.allocUnsafe(5);
          header[0] = COPY_DATA;
          header.writeUInt32BE(step.data.length + 4, 1);
          connection.stream.write(header);
          connection.stream.write(step.data);
          connection.stream.write(COPY_DONE);
        }
      }
      connection.sync();
    } finally {
      connection.stream.uncork();
    }
  }

  /** Parses a statement the session has not (surely) prepared; a Close first when it may have, which the server does not mind when it has not. */
  private prepare(connection: PgConnection, name: string, text: string): void {
    const prepared = this.prepared!;
    const known = prepared.get(name);
    prepared.delete(name); // to the end: most recently used
    prepared.set(name, true);
    if (known === true) return;
    if (known === false) connection.close({ type: 'S', name });
    connection.parse({ name, text });
  }

  /** Closes the least recently used statements this pipeline does not use, before its own, which an error could skip. */
  private makeRoom(connection: PgConnection): void {
    const prepared = this.prepared!;
    const used = new Set(this.steps.map((step) => step.name).filter((name) => name !== undefined));
    let excess = prepared.size + [...used].filter((name) => !prepared.has(name)).length - PREPARED_PER_CONNECTION;
    for (const name of prepared.keys()) {
      if (excess <= 0) break;
      if (used.has(name)) continue;
      connection.close({ type: 'S', name });
      prepared.delete(name);
      excess--;
    }
  }

  handleRowDescription(message: { fields: Field[] }): void {
    this.fields = message.fields.map((field) => ({
      name: field.name,
      parse: this.client.getTypeParser(field.dataTypeID, 'text') as (text: string) => unknown,
    }));
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const row: Row = {};
    for (let i = 0; i < this.fields.length; i++) {
      const text = message.fields[i];
      row[this.fields[i].name] = text === null ? null : this.fields[i].parse(text);
    }
    this.rows.push(row);
  }

  handleCommandComplete(): void {
    this.results.push(this.rows);
    this.rows = [];
    this.fields = [];
  }

  handleEmptyQuery(): void {
    this.handleCommandComplete();
  }

  handleCopyInResponse(): void {}

  handleCopyData(): void {}

  handlePortalSuspended(): void {}

  handleReadyForQuery(): void {
    this.callback();
    this.settle(null, this.results);
  }

  /** pg forgets the query before this, so no ReadyForQuery reaches it afterwards. */
  handleError(error: Error): void {
    // what it parsed may not be prepared, and what it had prepared may be stale (a table it reads changed)
    for (const step of this.steps) if (step.name) this.prepared?.set(step.name, false);
    this.callback(error);
    this.settle(error);
  }
}
