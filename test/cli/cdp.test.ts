import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { data } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';
import { adminQuery, testAdminUrl } from '../support/test-database';

const run = promisify(execFile);
const op = operations('workspace.graphql');
const cli = path.resolve('dist/src/cli/cdp.js');
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

/** Runs `npm run cdp -- <args>` (the compiled CLI) and returns the JSON of its last line. */
async function cdp(args: string[], env: Record<string, string | undefined>): Promise<{ workspaceId: string; adminKey: string }> {
  const { stdout } = await run(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('npm run cdp -- workspace create', () => {
  it("creates a workspace in the running server's database and prints its admin key as JSON", async () => {
    const created = await cdp(['workspace', 'create', 'Acme', 'Retail'], { DATABASE_URL: t.databaseUrl });
    const { workspace } = await data(t.url, created.adminKey, op.Workspace());
    expect(workspace).toMatchObject({ id: created.workspaceId, name: 'Acme Retail' });
    const { apiKeys } = await data(t.url, created.adminKey, op.ApiKeys());
    expect(apiKeys).toEqual([expect.objectContaining({ role: 'ADMIN', name: 'admin' })]);
  });

  it('refuses a missing name and an unknown command', async () => {
    await expect(run(process.execPath, [cli, 'workspace', 'create'], { env: { ...process.env, DATABASE_URL: t.databaseUrl } })).rejects.toMatchObject({ code: 1 });
    await expect(run(process.execPath, [cli, 'workspace', 'explode'], { env: process.env })).rejects.toMatchObject({ code: 2 });
  });

  const embedded = process.env.CDP_TEST_FAULT_DIR ? describe : describe.skip;
  embedded('on the embedded database', () => {
    it('attaches to the embedded PostgreSQL a running process already serves, and leaves it running', async () => {
      const dataDir = path.resolve('.data/test');
      const before = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0];
      const created = await cdp(['workspace', 'create', 'Attached'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(created.adminKey).toMatch(/^cdp_/);
      expect(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]).toBe(before);
      const [row] = await adminQuery<{ name: string }>(`select name from workspace where id = $1`, [created.workspaceId], testAdminUrl().replace(/\/[^/]*$/, '/cdp'));
      expect(row.name).toBe('Attached');
    });

    it('starts the embedded PostgreSQL when nothing runs it, and stops it afterwards', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-cli-'));
      fs.chmodSync(dataDir, 0o755);
      const first = await cdp(['workspace', 'create', 'Cold', 'start'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
      const second = await cdp(['workspace', 'create', 'Second'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(second.workspaceId).not.toBe(first.workspaceId);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);
  });
});
