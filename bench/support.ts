import 'reflect-metadata';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { execFile, spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { loadConfig, type Config } from '../src/config';
import { openDatabase, type Database } from '../src/db/database';
import { connectOrm } from '../src/db/orm';
import { prepareAppRole, prepareDatabase } from '../src/prepare-database';
import { createWorkspace } from '../src/modules/workspace/workspace.service';
import { startServer, type Server } from '../src/server';

/** A real server on the bench database (a new embedded cluster under .data/bench unless DATABASE_URL is set) with a fresh workspace. */
export interface BenchServer {
  server: Server;
  /** The tables' owner: seeding and the reference queries, which row-level security does not bind. */
  orm: MikroORM;
  database: Database;
  /** What the server connects with: the app role (row-level security), or the owner under BENCH_SERVER_ROLE=owner. */
  serverDatabaseUrl: string;
  poolSize: number;
  workspaceId: string;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startBenchServer(overrides: Partial<Config> = {}): Promise<BenchServer> {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1', ...overrides };
  const dataDir = path.resolve('.data/bench');
  // each bench starts from an empty embedded cluster: comparable figures, and the disk does not fill up
  if (!process.env.DATABASE_URL) fs.rmSync(dataDir, { recursive: true, force: true });
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
  const orm = await connectOrm(database.url, config);
  await prepareDatabase(orm);
  const { adminKey, workspace } = await createWorkspace(orm.em.fork(), `bench ${new Date().toISOString()}`);
  // the server connects as the app role, as `npm start` does; BENCH_SERVER_ROLE=owner measures it without row-level security
  const serverUrl = process.env.BENCH_SERVER_ROLE === 'owner' ? database.url : await prepareAppRole(orm);
  const serverOrm = serverUrl === database.url ? orm : await connectOrm(serverUrl, config);
  const server = await startServer({ config, orm: serverOrm, databaseUrl: serverUrl });
  process.stdout.write(`server connects as ${new URL(serverUrl).username}\n`);
  return {
    server,
    orm,
    database,
    serverDatabaseUrl: serverUrl,
    poolSize: config.poolSize,
    workspaceId: workspace.id,
    adminKey,
    stop: async () => {
      await server.stop();
      if (serverOrm !== orm) await serverOrm.close();
      await orm.close();
      await database.release();
    },
  };
}

/** Sends one GraphQL operation with the bench's admin key; throws on errors, returns `data`. */
export async function graphql(bench: BenchServer, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(bench.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** A statement's `?` placeholders as pg's $n, for running the server's statements straight against PostgreSQL. */
export const numbered = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const run = promisify(execFile);

export interface Load {
  requestsPerSecond: number;
  /** Responses received in the measured period. */
  total: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Every measured latency, when asked for. */
  latencies?: number[];
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  seconds?: number;
  warmUpSeconds?: number;
  keepLatencies?: boolean;
}

/**
 * Loads a URL with autocannon from a separate process: `connections` at once for `seconds` (10)
 * after a warm-up (`warmUpSeconds`, 2), POSTing `bodies` in turn. Latencies in ms; `errors` are connection errors
 * and timeouts.
 */
export async function load(options: LoadOptions): Promise<Load> {
  const worker = path.join(__dirname, 'load-worker.js');
  const file = path.join(os.tmpdir(), `cdp-load-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify({ seconds: 10, ...options }));
  const { stdout } = await run(process.execPath, [worker, file], { maxBuffer: 64 * 1024 * 1024 }).finally(() => fs.rmSync(file, { force: true }));
  const result = JSON.parse(stdout) as {
    requests: number;
    total: number;
    latency: { p50: number; p95: number; p99: number };
    non2xx: number;
    errors: number;
    latencies?: number[];
  };
  return {
    requestsPerSecond: result.requests,
    total: result.total,
    ...result.latency,
    non2xx: result.non2xx,
    errors: result.errors,
    latencies: result.latencies,
  };
}

export const row = (label: string, figures: Load) =>
  `  ${label.padEnd(34)} ${figures.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${figures.p50.toFixed(2).padStart(7)} ms   p95 ${figures.p95.toFixed(2).padStart(7)} ms   p99 ${figures.p99.toFixed(2).padStart(7)} ms`;

/** One side of a comparison: a URL to load, and the SQL it sends per request (from a probe). */
export interface Side {
  label: string;
  url: string;
  sql: { statements: number; roundTrips: number };
  /** The server's CPU time so far, in ms, when it is not this process (see {@link startCluster}). */
  serverCpu?: () => number;
}

/** A side's figures over interleaved rounds: the median round's rate, percentiles of every round's latencies pooled. */
export interface Measured extends Side {
  requestsPerSecond: number;
  rounds: number[];
  total: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU of this process (where the servers run) and of PostgreSQL, per response. */
  serverCpuMs: number;
  postgresCpuMs: number;
}

export interface InterleavedOptions {
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  /** Reads PostgreSQL's CPU time so far, in ms (see {@link postgresCpuMeter}). */
  postgresCpu: () => number;
  rounds?: number;
  seconds?: number;
  warmUpSeconds?: number;
}

/**
 * Measures the sides turn about (one warm-up each, then `rounds` rounds of every side for `seconds`),
 * so that a noisy neighbour on a shared machine weighs on each side alike.
 */
export async function measureInterleaved(sides: Side[], options: InterleavedOptions): Promise<Measured[]> {
  const { headers, bodies, connections, postgresCpu, rounds = 3, seconds = 4, warmUpSeconds = 2 } = options;
  const runs = sides.map(() => [] as { load: Load; serverCpuMs: number; postgresCpuMs: number }[]);
  for (const side of sides) await load({ url: side.url, headers, bodies, connections, seconds: warmUpSeconds, warmUpSeconds: 0 });
  for (let round = 0; round < rounds; round++)
    for (const [i, side] of sides.entries()) {
      const serverCpu = side.serverCpu ?? ownCpu;
      const cpu = serverCpu();
      const postgres = postgresCpu();
      const figures = await load({ url: side.url, headers, bodies, connections, seconds, warmUpSeconds: 0, keepLatencies: true });
      runs[i].push({ load: figures, serverCpuMs: serverCpu() - cpu, postgresCpuMs: postgresCpu() - postgres });
    }
  return sides.map((side, i) => {
    const latencies = runs[i].flatMap((run) => run.load.latencies ?? []).sort((a, b) => a - b);
    const total = runs[i].reduce((sum, run) => sum + run.load.total, 0);
    const sum = (pick: (run: (typeof runs)[number][number]) => number) => runs[i].reduce((acc, run) => acc + pick(run), 0);
    const rates = runs[i].map((run) => run.load.requestsPerSecond);
    return {
      ...side,
      requestsPerSecond: median(rates),
      rounds: rates,
      total,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      non2xx: sum((run) => run.load.non2xx),
      errors: sum((run) => run.load.errors),
      serverCpuMs: sum((run) => run.serverCpuMs) / total,
      postgresCpuMs: sum((run) => run.postgresCpuMs) / total,
    };
  });
}

export const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;

const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const TICK_MS = 10; // USER_HZ is 100 on Linux

const stat = (id: number | string) => {
  try {
    const text = fs.readFileSync(`/proc/${id}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime, stime, and cutime, cstime: what its children that have exited used
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) * TICK_MS, exited: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return undefined;
  }
};

/** CPU time (user + system, ms) of a process and the processes it forked, those gone too, read from /proc. */
const processTreeCpu = (root: number) => () => {
  let total = stat(root)?.exited ?? 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = stat(entry);
    if (found && (Number(entry) === root || found.ppid === root)) total += found.cpu;
  }
  return total;
};

/**
 * CPU time (user + system, ms) of the PostgreSQL cluster `orm` talks to: its postmaster and every
 * process it forked. Other clusters on the machine are not counted. NaN when the cluster is not a
 * local process (DATABASE_URL elsewhere) or there is no /proc.
 */
export async function postgresCpuMeter(orm: MikroORM): Promise<() => number> {
  const [{ pid }] = await orm.em.fork().getConnection().execute<{ pid: number }[]>('select pg_backend_pid() pid');
  const postmaster = stat(pid)?.ppid;
  return postmaster === undefined ? () => NaN : processTreeCpu(postmaster);
}

export interface Cluster {
  url: string;
  /** CPU of the primary and its workers, in ms. */
  cpu: () => number;
  stop(): Promise<void>;
}

/**
 * The API as `npm start` serves it, with one worker and with one per core, as sides of a comparison
 * (they answer what the bench's own server answers, with the same SQL).
 */
export async function clusterSides(bench: BenchServer, sql: Side['sql']): Promise<{ sides: Side[]; stop(): Promise<void> }> {
  const counts = [1, os.availableParallelism()];
  const clusters = await Promise.all(counts.map((workers) => startCluster(bench, workers)));
  return {
    sides: clusters.map((cluster, i) => ({
      label: `npm start, ${counts[i]} worker${counts[i] === 1 ? '' : 's'}`,
      url: cluster.url,
      sql,
      serverCpu: cluster.cpu,
    })),
    stop: async () => {
      await Promise.all(clusters.map((cluster) => cluster.stop()));
    },
  };
}

/** `npm start` (dist/src/main.js) with `workers` worker processes on the bench's database, where the bench's key works. */
export async function startCluster(bench: BenchServer, workers: number): Promise<Cluster> {
  const child = spawn(process.execPath, ['--max-semi-space-size=64', path.resolve(__dirname, '../src/main.js')], {
    env: { ...process.env, DATABASE_URL: bench.database.url, CDP_WORKERS: String(workers), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', CDP_JOBS: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let serving = 0;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = /"port":(\d+),.*"msg":"serving http/.exec(line)?.[1];
      if (port && ++serving === workers) resolve(Number(port));
    });
    child.once('exit', (code) => reject(new Error(`npm start with ${workers} workers exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    cpu: processTreeCpu(child.pid!),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** POSTs one body and returns the parsed answer; throws unless it is a 200. */
export async function probe(url: string, headers: Record<string, string>, body: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const cell = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** The one table of the comparison benches: a row per side, then each side's ratio to the reference (the last row). */
export function printComparison(title: string, rows: Measured[]): void {
  const line = (label: string, cells: string[]) => `  ${label.padEnd(34)}${cells.map((c) => c.padStart(10)).join('')}`;
  console.log(`\n${title}`);
  console.log(line('', ['req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'srv ms/r', 'pg ms/r', 'SQL/r', 'trips/r', 'non-2xx', 'errors']));
  for (const r of rows)
    console.log(
      line(r.label, [
        cell(r.requestsPerSecond, 0),
        cell(r.p50, 2),
        cell(r.p95, 2),
        cell(r.p99, 2),
        cell(r.serverCpuMs, 3),
        cell(r.postgresCpuMs, 3),
        cell(r.sql.statements, 1),
        cell(r.sql.roundTrips, 1),
        String(r.non2xx),
        String(r.errors),
      ]),
    );
  const reference = rows[rows.length - 1];
  for (const r of rows.slice(0, -1))
    console.log(
      `  ${r.label} / ${reference.label}: ${cell(r.requestsPerSecond / reference.requestsPerSecond, 2)}x req/s, ${cell(r.p95 / reference.p95, 2)}x p95` +
        ` (rounds ${r.rounds.map((v) => v.toFixed(0)).join(', ')} vs ${reference.rounds.map((v) => v.toFixed(0)).join(', ')} req/s)`,
    );
}
