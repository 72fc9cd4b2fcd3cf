import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by global-setup: the test PostgreSQL server and the migrated template database. */
export const TEST_ADMIN_URL_ENV = 'CDP_TEST_ADMIN_URL';
export const TEST_RUN_ENV = 'CDP_TEST_RUN';
/** Set by global-setup when it runs the embedded servers: the one fault tests may stop and start. */
export const FAULT_DIR_ENV = 'CDP_TEST_FAULT_DIR';
export const FAULT_URL_ENV = 'CDP_TEST_FAULT_URL';

/** Databases of one jest run share a prefix, so concurrent runs on one server never touch each other's. */
export const testDatabasePrefix = (run = process.env[TEST_RUN_ENV]): string => `cdp_test_${run}_`;
export const templateDatabase = (run = process.env[TEST_RUN_ENV]): string => `${testDatabasePrefix(run)}template`;

export function testAdminUrl(): string {
  const url = process.env[TEST_ADMIN_URL_ENV];
  if (!url) throw new Error(`${TEST_ADMIN_URL_ENV} is unset: run the tests through jest (global-setup starts PostgreSQL)`);
  return url;
}

export function urlOf(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = testAdminUrl()): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A fresh database copied from the migrated template: clean tables for one test file. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const adminUrl = testAdminUrl();
  const name = `${testDatabasePrefix()}${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${templateDatabase()}"`);
      break;
    } catch (error) {
      // two files copying the template at the same instant: PostgreSQL asks the second to wait
      if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  return {
    name,
    url: urlOf(adminUrl, name),
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`).then(() => undefined),
  };
}
