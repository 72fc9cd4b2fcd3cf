import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Clock } from '../../src/clock';
import { loadConfig, type Config } from '../../src/config';
import { connectOrm } from '../../src/db/orm';
import { prepareAppRole } from '../../src/prepare-database';
import { sql } from '../../src/db/sql';
import type { Topic } from '../../src/events/topics';
import { Role } from '../../src/graphql/enums';
import { addApiKey } from '../../src/modules/workspace/api-key.service';
import { createWorkspace } from '../../src/modules/workspace/workspace.service';
import { startServer, type Server } from '../../src/server';
import { data } from './client';
import { operations } from './operations';
import { createTestDatabase } from './test-database';

const { Ingest } = operations('ingest.graphql');

/** A real server on a fresh database, with one workspace and its admin key. */
export interface TestServer {
  url: string;
  wsUrl: string;
  baseUrl: string;
  databaseUrl: string;
  /** The tables' owner: what tests read and write directly sees every workspace (row-level security binds only the server's role). */
  orm: MikroORM;
  /** The server's own, as the role it connects with. */
  serverOrm: MikroORM;
  server: Server;
  config: Config;
  workspaceId: string;
  adminKey: string;
  /** Another workspace with its admin key. */
  addWorkspace(name: string): Promise<{ workspaceId: string; adminKey: string }>;
  /** A key with the given role in a workspace (the first one by default). */
  addKey(role: Role, workspaceId?: string): Promise<string>;
  /**
   * Starts a subscription (`start`, a {@link collect} say) and resolves with it once the server
   * registered its subscriber of `topic`, so it hears everything published from then on.
   */
  subscribe<T>(topic: Topic, start: () => T): Promise<T>;
  /**
   * Ends a subscription (`end`, a dispose say) and resolves once the server detached its subscriber
   * of `topic`. The server's own bookkeeping of the operation finishes in that same turn, so
   * whatever the test sends next reaches a server that counts the subscription gone.
   */
  unsubscribe(topic: Topic, end: () => unknown): Promise<void>;
  /**
   * Resolves when the server next sends a statement matching `pattern` (as the ORM's query builder
   * prints it) to the database; it holds a pooled connection for it by then.
   */
  nextStatement(pattern: RegExp): Promise<void>;
  /** Runs SQL on the server's database, in a fresh fork. */
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** Ingests events through the endpoint (the first admin key by default) and returns `ingest`. */
  ingest(events: unknown[], key?: string): Promise<any>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<Config>;
  /** Use this database instead of a fresh copy of the template (it must be migrated). */
  databaseUrl?: string;
  drainMs?: number;
  /** The server's clock (the system's by default). */
  clock?: Clock;
  /** Run the job runner (off by default in tests; tests run tasks with `server.jobs.runNow`). */
  jobs?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  const config: Config = { ...loadConfig({ ...process.env, NODE_ENV: 'test', PORT: '0' }), host: '127.0.0.1', jobs: options.jobs ?? false, ...options.config };
  const orm = await connectOrm(databaseUrl, config);
  const serverUrl = await prepareAppRole(orm);
  const serverOrm = await connectOrm(serverUrl, config);
  const server = await startServer({ config, orm: serverOrm, databaseUrl: serverUrl, drainMs: options.drainMs ?? 2000, clock: options.clock });
  const addWorkspace = async (name: string) => {
    const { workspace, adminKey } = await createWorkspace(orm.em.fork(), name);
    return { workspaceId: workspace.id, adminKey };
  };
  const first = await addWorkspace('Workspace A');
  let stopped = false;
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    baseUrl: server.url.replace(/\/graphql$/, ''),
    databaseUrl,
    orm,
    serverOrm,
    server,
    config,
    workspaceId: first.workspaceId,
    adminKey: first.adminKey,
    addWorkspace,
    addKey: async (role, workspaceId = first.workspaceId) => {
      const em = orm.em.fork();
      const { secret } = addApiKey(em, workspaceId, { name: `${role.toLowerCase()} key`, role }, null);
      await em.flush();
      return secret;
    },
    subscribe: async (topic, start) => {
      const registered = server.bus.fanout.nextSubscriber(topic);
      const started = start();
      await registered;
      return started;
    },
    unsubscribe: async (topic, end) => {
      const detached = server.bus.fanout.nextDetach(topic);
      end();
      await detached;
    },
    nextStatement: (pattern) =>
      new Promise((resolve) => {
        const knex = serverOrm.em.getConnection().getKnex();
        const listener = (query: { sql: string }) => {
          if (!pattern.test(query.sql)) return;
          knex.off('query', listener);
          resolve();
        };
        knex.on('query', listener);
      }),
    sql: (text, params = []) => sql(orm.em.fork(), text, params),
    ingest: async (events, key = first.adminKey) => (await data(server.url, key, Ingest({ events }))).ingest,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await serverOrm.close();
      await orm.close();
      await database?.drop();
    },
  };
}
