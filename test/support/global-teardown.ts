import { adminQuery, testDatabasePrefix } from './test-database';

/**
 * Drops this run's databases and stops the PostgreSQL servers global-setup started, unless another
 * jest run on this machine is still using them.
 */
export default async function globalTeardown(): Promise<void> {
  const prefix = testDatabasePrefix();
  const databases = await adminQuery<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1)`, [prefix]);
  for (const { datname } of databases) await adminQuery(`drop database if exists "${datname}" with (force)`);
  const [{ others }] = await adminQuery<{ others: number }>(
    `select count(*)::int as others from pg_stat_activity where starts_with(datname, 'cdp_test_') and not starts_with(datname, $1)`,
    [prefix],
  );
  if (others > 0) return;
  for (const server of globalThis.__CDP_TEST_PG__ ?? []) await server.stop();
}
