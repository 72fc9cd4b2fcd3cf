import { randomBytes } from 'node:crypto';
import { controlEmbedded } from '../../src/db/embedded';
import { connectOrm } from '../../src/db/orm';
import { prepareDatabase } from '../../src/prepare-database';
import { adminQuery, FAULT_DIR_ENV, FAULT_URL_ENV, urlOf } from './test-database';

/**
 * The PostgreSQL server global-setup keeps for fault tests (embedded only): a migrated database
 * on it, and the means to stop and start the whole server under a running API.
 */
export interface FaultDatabase {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  drop(): Promise<void>;
}

export const faultServerAvailable = (): boolean => Boolean(process.env[FAULT_DIR_ENV] && process.env[FAULT_URL_ENV]);

export async function createFaultDatabase(): Promise<FaultDatabase> {
  const dir = process.env[FAULT_DIR_ENV]!;
  const adminUrl = process.env[FAULT_URL_ENV]!;
  const name = `cdp_fault_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database "${name}"`, [], adminUrl);
  const url = urlOf(adminUrl, name);
  const orm = await connectOrm(url, { poolSize: 2, poolAcquireTimeoutMs: 10_000 });
  await prepareDatabase(orm);
  await orm.close();
  return {
    url,
    stop: () => controlEmbedded(dir, 'stop'),
    start: () => controlEmbedded(dir, 'start'),
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`, [], adminUrl).then(() => undefined),
  };
}
