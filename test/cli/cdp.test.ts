import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { embeddedServerPid } from '../../src/db/embedded';
import { sharedPlaceFor } from '../../src/db/embedded-runtime';
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

/** Runs the compiled CLI and returns its output. */
async function cdpRaw(args: string[], env: Record<string, string | undefined>) {
  return run(process.execPath, [cli, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
}

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
    await expect(run(process.execPath, [cli, 'workspace', 'create'], { env: { ...process.env, DATABASE_URL: t.databaseUrl } })).rejects.toMatchObject({
      code: 1,
    });
    await expect(run(process.execPath, [cli, 'workspace', 'explode'], { env: process.env })).rejects.toMatchObject({ code: 2 });
  });

  const embedded = process.env.CDP_TEST_FAULT_DIR ? describe : describe.skip;
  embedded('on the embedded database', () => {
    it('attaches to the embedded PostgreSQL a running process already serves, and leaves it running', async () => {
      const dataDir = path.resolve('.data/test');
      const before = embeddedServerPid(dataDir);
      expect(before).toBeDefined();
      const created = await cdp(['workspace', 'create', 'Attached'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(created.adminKey).toMatch(/^cdp_/);
      expect(embeddedServerPid(dataDir)).toBe(before);
      const [row] = await adminQuery<{ name: string }>(
        `select name from workspace where id = $1`,
        [created.workspaceId],
        testAdminUrl().replace(/\/[^/]*$/, '/cdp'),
      );
      expect(row.name).toBe('Attached');
    });

    it('starts the embedded PostgreSQL when nothing runs it, and stops it afterwards', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-cli-')); // mode 0700, as mktemp -d makes it
      const first = await cdp(['workspace', 'create', 'Cold', 'start'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(embeddedServerPid(dataDir)).toBeUndefined();
      const second = await cdp(['workspace', 'create', 'Second'], { DATABASE_URL: undefined, CDP_DATA_DIR: dataDir });
      expect(second.workspaceId).not.toBe(first.workspaceId);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(sharedPlaceFor('clusters', dataDir), { recursive: true, force: true });
    }, 60_000);
  });
});

describe('npm run cdp -- import and seed', () => {
  const count = async (text: string, params: unknown[] = []) => (await adminQuery<{ n: number }>(text, params, t.databaseUrl))[0].n;

  it('imports NDJSON in batches, reports a bad line by number and loses nothing else', async () => {
    const { workspaceId } = await cdp(['workspace', 'create', 'Importer'], { DATABASE_URL: t.databaseUrl });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-import-')), 'events.ndjson');
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({
        messageId: `imp-${i}`,
        kind: 'TRACK',
        event: 'order_completed',
        revenue: 1,
        identifiers: [{ type: 'EMAIL', value: `buyer${i % 700}@import.test` }],
      }),
    );
    lines.splice(1200, 0, '{"messageId": "broken", ');
    lines.splice(1800, 0, JSON.stringify({ messageId: 'bad-phone', kind: 'IDENTIFY', identifiers: [{ type: 'PHONE', value: 'not a phone' }] }));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { stdout, stderr } = await cdpRaw(['import', file, '--workspace', workspaceId], { DATABASE_URL: t.databaseUrl });
    expect(stderr).toContain('line 1201: ');
    expect(stderr).toContain('line 1801: INVALID_IDENTIFIER');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ items: 2501, accepted: 2500, customersCreated: 700, skipped: 2 });
    expect(await count(`select count(*)::int n from event where workspace_id = $1`, [workspaceId])).toBe(2500);
    const again = await cdpRaw(['import', file, '--workspace', workspaceId], { DATABASE_URL: t.databaseUrl });
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ accepted: 0, duplicates: 2500 });
  });

  it('imports CSV with identifier, traits and properties columns', async () => {
    const { workspaceId } = await cdp(['workspace', 'create', 'CSV'], { DATABASE_URL: t.databaseUrl });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-import-')), 'people.csv');
    fs.writeFileSync(
      file,
      'messageId,kind,email,phone,traits.name,traits.city\nc1,IDENTIFY,a@csv.test,13800000001,"Li, Lei",Shanghai\nc2,IDENTIFY,,,Nobody,\n',
    );
    const { stdout, stderr } = await cdpRaw(['import', file, '--workspace', workspaceId], { DATABASE_URL: t.databaseUrl });
    expect(stderr).toContain('line 3: identifiers are missing');
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ accepted: 1, skipped: 1 });
    const [row] = await adminQuery<{ traits: unknown }>(`select traits from customer where workspace_id = $1`, [workspaceId], t.databaseUrl);
    expect(row.traits).toEqual({ name: 'Li, Lei', city: 'Shanghai' });
  });

  it('seeds a realistic data set whose overlapping identifiers cause merges', async () => {
    const { workspaceId } = await cdp(['workspace', 'create', 'Seeded'], { DATABASE_URL: t.databaseUrl });
    const { stdout } = await cdpRaw(['seed', '--customers', '400', '--workspace', workspaceId], { DATABASE_URL: t.databaseUrl });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.merges).toBeGreaterThan(0);
    expect(summary.skipped).toBe(0);
    expect(await count(`select count(*)::int n from customer where workspace_id = $1 and merged_into_id is null`, [workspaceId])).toBe(400);
    expect(await count(`select count(*)::int n from identity where workspace_id = $1 and type = 'PHONE' and value like '+861%'`, [workspaceId])).toBe(400);
  });
});
