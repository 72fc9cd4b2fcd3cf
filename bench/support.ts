import 'reflect-metadata';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config';
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
  workspaceId: string;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
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
}

/**
 * Loads a URL with autocannon from a separate process: `connections` at once for `seconds` (10)
 * after a 2 s warm-up, POSTing `bodies` in turn. Latencies in ms; `errors` are connection errors
 * and timeouts.
 */
export async function load(options: { url: string; headers: Record<string, string>; bodies: string[]; connections: number; seconds?: number }): Promise<Load> {
  const worker = path.join(__dirname, 'load-worker.js');
  const file = path.join(os.tmpdir(), `cdp-load-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify({ seconds: 10, ...options }));
  const { stdout } = await run(process.execPath, [worker, file], { maxBuffer: 64 * 1024 * 1024 }).finally(() => fs.rmSync(file, { force: true }));
  const result = JSON.parse(stdout) as { requests: number; total: number; latency: { p50: number; p95: number; p99: number }; non2xx: number; errors: number };
  return { requestsPerSecond: result.requests, total: result.total, ...result.latency, non2xx: result.non2xx, errors: result.errors };
}

export const row = (label: string, figures: Load) =>
  `  ${label.padEnd(34)} ${figures.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${figures.p50.toFixed(2).padStart(7)} ms   p95 ${figures.p95.toFixed(2).padStart(7)} ms   p99 ${figures.p99.toFixed(2).padStart(7)} ms`;
