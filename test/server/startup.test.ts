import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminQuery, createTestDatabase, testAdminUrl, testDatabasePrefix, urlOf } from '../support/test-database';

const run = promisify(execFile);

/** Starts the compiled server (or a CLI command) as a user would, and returns how it ended. */
async function attempt(script: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await run(process.execPath, [path.resolve(script), ...args], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: '', CDP_JOBS: 'false', ...env },
    timeout: 30_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return result;
}

/** The promise of the issue: exit code 1 and one line naming the cause and the remedy, no stack trace. */
function expectOneLine(result: { code: number; stderr: string }, prefix: string, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(prefix)).toBe(true);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at |Unhandled|node:internal/);
}

const server = (env: Record<string, string>) => attempt('dist/src/main.js', env);
const startFailure = 'cdp-api could not start: ';

describe('a start that cannot succeed ends with one line and exit code 1', () => {
  const wrongPassword = () => {
    const url = new URL(testAdminUrl());
    url.password = 'not-the-password';
    return url.toString();
  };

  it('when the port is taken', async () => {
    const database = await createTestDatabase();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const result = await server({ DATABASE_URL: database.url, PORT: String(port) });
      expectOneLine(result, startFailure, new RegExp(`port ${port} is already in use; stop the process that holds it or set PORT`));
    } finally {
      holder.close();
      await database.drop();
    }
  });

  it('when DATABASE_URL cannot be reached, or refuses the password, or names no database', async () => {
    expectOneLine(
      await server({ DATABASE_URL: 'postgres://cdp:secret@127.0.0.1:1/cdp' }),
      startFailure,
      /cannot reach PostgreSQL at 127\.0\.0\.1:1\/cdp \(ECONNREFUSED\); check DATABASE_URL/,
    );
    const refused = await server({ DATABASE_URL: wrongPassword() });
    expectOneLine(refused, startFailure, /refused the login \(password authentication failed for user "postgres"\); fix the user and password in DATABASE_URL/);
    expect(refused.stderr).not.toContain('not-the-password');
    expectOneLine(
      await server({ DATABASE_URL: urlOf(testAdminUrl(), 'cdp_no_such_database') }),
      startFailure,
      /has no such database .*; create it or fix the database name/,
    );
  });

  it('when the data directory cannot be written', async () => {
    expectOneLine(
      await server({ CDP_DATA_DIR: '/etc/hostname/data' }),
      startFailure,
      /cannot write the data directory \/etc\/hostname\/data \(ENOTDIR\); set CDP_DATA_DIR/,
    );
  });

  it('when a migration fails, naming it and its reason, and applying nothing of it', async () => {
    const blank = `${testDatabasePrefix()}blank_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database "${blank}"`);
    const url = urlOf(testAdminUrl(), blank);
    try {
      await adminQuery(`create table workspace (occupied int)`, [], url);
      const result = await server({ DATABASE_URL: url });
      expectOneLine(result, startFailure, /migration Migration\d+ failed: relation "workspace" already exists; nothing of it was applied/);
      const [{ n }] = await adminQuery<{ n: number }>(
        `select count(*)::int as n from pg_tables where schemaname = 'public' and tablename not in ('workspace', 'mikro_orm_migrations')`,
        [],
        url,
      );
      expect(n).toBe(0);
    } finally {
      await adminQuery(`drop database if exists "${blank}" with (force)`);
    }
  });

  it('when CDP_ADMIN_KEY is too short, or another setting is malformed', async () => {
    expectOneLine(await server({ CDP_ADMIN_KEY: 'short' }), startFailure, /CDP_ADMIN_KEY is 5 characters long, fewer than 16; choose a longer key/);
    expectOneLine(await server({ CDP_POOL_SIZE: 'ten' }), startFailure, /CDP_POOL_SIZE must be a non-negative integer, got "ten"; fix or unset CDP_POOL_SIZE/);
    expectOneLine(await server({ CDP_CORS_ORIGINS: 'app.example.com' }), startFailure, /CDP_CORS_ORIGINS holds "app\.example\.com", which is not an origin/);
  });

  it('the same for the command-line tools', async () => {
    const cli = (env: Record<string, string>, ...args: string[]) => attempt('dist/src/cli/cdp.js', env, args);
    expectOneLine(
      await cli({ DATABASE_URL: 'postgres://cdp:secret@127.0.0.1:1/cdp' }, 'workspace', 'create', 'X'),
      'cdp: ',
      /cannot reach PostgreSQL at 127\.0\.0\.1:1\/cdp \(ECONNREFUSED\)/,
    );
    expectOneLine(await cli({ DATABASE_URL: wrongPassword() }, 'migrate'), 'cdp: ', /refused the login/);
    expectOneLine(await cli({ CDP_DATA_DIR: '/etc/hostname/data' }, 'migrate'), 'cdp: ', /cannot write the data directory/);
    expectOneLine(await cli({ CDP_ADMIN_KEY: 'short' }, 'migrate'), 'cdp: ', /CDP_ADMIN_KEY is 5 characters long/);
    const database = await createTestDatabase();
    try {
      expectOneLine(
        await cli({ DATABASE_URL: database.url }, 'import', '/no/such/file.ndjson'),
        'cdp: ',
        /no such file: \/no\/such\/file\.ndjson; give the path/,
      );
    } finally {
      await database.drop();
    }
  });
});
