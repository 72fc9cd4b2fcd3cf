import { Client } from 'pg';
import type { Config } from '../config';
import { useEmbeddedPostgres, withDatabase } from './embedded';
import { EmbeddedSupervisor, type SupervisorLog } from './embedded-supervisor';

export const EMBEDDED_DATABASE = 'cdp';

/** The application database: `DATABASE_URL`, or the embedded server's `cdp` database. */
export interface Database {
  url: string;
  /** The embedded cluster's directory; undefined with `DATABASE_URL`. */
  clusterDir?: string;
  /** Stops supervising, and stops the embedded server when this process started it. */
  release(): Promise<void>;
}

export interface OpenOptions {
  log?: (message: string) => void;
  /** Restart the embedded server when it dies (the server does; short-lived tools need not). */
  supervise?: SupervisorLog;
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, { log, supervise }: OpenOptions = {}): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, release: async () => {} };
  const server = await useEmbeddedPostgres(config.dataDir, { log });
  await ensureDatabase(server.adminUrl, EMBEDDED_DATABASE);
  const supervisor = supervise && server.owned ? new EmbeddedSupervisor(config.dataDir, supervise).start() : undefined;
  return {
    url: withDatabase(server.adminUrl, EMBEDDED_DATABASE),
    clusterDir: server.clusterDir,
    release: async () => {
      supervisor?.stop();
      await server.stop();
    },
  };
}

/** Creates `name` on the server unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
      await client.query(`create database ${quote(name)}${template ? ` template ${quote(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}
