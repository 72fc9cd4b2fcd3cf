import path from 'node:path';
import { connectOrm } from '../../src/db/orm';
import { prepareAppRole, prepareDatabase } from '../../src/prepare-database';
import { useEmbeddedPostgres, type LocalDatabase } from '../../src/db/embedded';
import { randomBytes } from 'node:crypto';
import { adminQuery, FAULT_DIR_ENV, FAULT_URL_ENV, templateDatabase, TEST_ADMIN_URL_ENV, TEST_RUN_ENV, urlOf } from './test-database';

declare global {
  var __CDP_TEST_PG__: LocalDatabase[] | undefined;
}

/**
 * Starts the test PostgreSQL (embedded under .data/test unless TEST_DATABASE_URL or DATABASE_URL
 * is set) and migrates a template database that every test file copies. The fault tests get a
 * second embedded server of their own, which they stop and start.
 */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  const started: LocalDatabase[] = [];
  let adminUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!adminUrl) {
    const main = await useEmbeddedPostgres(path.resolve('.data/test'));
    started.push(main);
    adminUrl = main.adminUrl;
    const faultDir = path.resolve('.data/test-fault');
    const fault = await useEmbeddedPostgres(faultDir);
    started.push(fault);
    process.env[FAULT_DIR_ENV] = faultDir;
    process.env[FAULT_URL_ENV] = fault.adminUrl;
  }
  globalThis.__CDP_TEST_PG__ = started;
  process.env[TEST_ADMIN_URL_ENV] = adminUrl;

  process.env[TEST_RUN_ENV] = randomBytes(4).toString('hex');
  const template = templateDatabase();
  await adminQuery(`create database "${template}"`, [], adminUrl);
  const orm = await connectOrm(urlOf(adminUrl, template), { poolSize: 2, poolAcquireTimeoutMs: 10_000 });
  try {
    await prepareDatabase(orm);
    // the server's role and its rights, which every copy of the template inherits
    await prepareAppRole(orm);
  } finally {
    await orm.close();
  }
  // jest hands this process's globals to in-band test files; MikroORM keeps entity metadata in a
  // global, and metadata built here (another realm) breaks their discovery (mikro-orm#3783).
  for (const key of Object.keys(globalThis)) if (key.startsWith('mikro-orm-')) delete (globalThis as Record<string, unknown>)[key];
}
