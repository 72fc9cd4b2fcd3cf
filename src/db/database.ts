import { Client } from 'pg';
import type { Config } from '../config';
import { useEmbeddedPostgres, withDatabase } from './embedded';

export const EMBEDDED_DATABASE = 'cdp';

/** The application database: `DATABASE_URL`, or the embedded server's `cdp` database. */
export interface Database {
  url: string;
  embedded: boolean;
  /** Stops the embedded server when this process started it; otherwise does nothing. */
  release(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, log: (m: string) => void): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, release: async () => {} };
  const server = await useEmbeddedPostgres(config.dataDir, log);
  await ensureDatabase(server.adminUrl, EMBEDDED_DATABASE);
  return { url: withDatabase(server.adminUrl, EMBEDDED_DATABASE), embedded: true, release: () => server.stop() };
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
