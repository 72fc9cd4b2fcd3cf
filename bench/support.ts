import 'reflect-metadata';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/db/database';
import { connectOrm, migrate } from '../src/db/orm';
import { createWorkspace } from '../src/modules/workspace/workspace.service';
import { startServer, type Server } from '../src/server';

/** A real server on the bench database (embedded under .data/bench unless DATABASE_URL is set) with a fresh workspace. */
export interface BenchServer {
  server: Server;
  orm: MikroORM;
  database: Database;
  workspaceId: string;
  adminKey: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: path.resolve('.data/bench') }, () => {});
  const orm = await connectOrm(database.url, config);
  await migrate(orm);
  const { adminKey, workspace } = await createWorkspace(orm.em.fork(), `bench ${new Date().toISOString()}`);
  const server = await startServer({ config, orm, databaseUrl: database.url });
  return {
    server,
    orm,
    database,
    workspaceId: workspace.id,
    adminKey,
    stop: async () => {
      await server.stop();
      await orm.close();
      await database.release();
    },
  };
}

export interface Load {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Loads a URL with autocannon: `connections` at once for `seconds`, after a short warm-up. */
export async function load(options: autocannon.Options & { seconds?: number }): Promise<Load> {
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: options.seconds ?? 10 });
  const latency = result.latency as autocannon.Histogram & { p95?: number };
  return {
    requestsPerSecond: result.requests.average,
    p50: latency.p50,
    p95: latency.p95 ?? latency.p97_5,
    p99: latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export const row = (label: string, figures: Load) =>
  `  ${label.padEnd(34)} ${figures.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${figures.p50.toFixed(1).padStart(6)} ms   p95 ${figures.p95.toFixed(1).padStart(6)} ms   p99 ${figures.p99.toFixed(1).padStart(6)} ms`;
