import 'reflect-metadata';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { connectOrm } from '../db/orm';
import { prepareAppRole, prepareDatabase } from '../prepare-database';
import { runInWorkspace } from '../telemetry/request-scope';
import { createWorkspace } from '../modules/workspace/workspace.service';
import { readItems } from './import-file';
import { chooseWorkspace, runIngest, type RunSummary } from './ingest-runner';
import { seedEvents } from './seed-data';
import { explainStartupFailure, StartupError, type StartupTarget } from '../startup-error';

const USAGE = `usage: npm run cdp -- <command>

  workspace create NAME                 create a workspace; prints {"workspaceId","adminKey"} as JSON on the last line
  import FILE [--workspace ID]          ingest NDJSON (.ndjson, .jsonl) or CSV (.csv) items in batches of 1,000
  seed --customers N [--workspace ID] [--seed S]
                                        generate a realistic demo data set through ingestion
  migrate                               apply pending migrations
  migration create                      write a migration for the entity changes not yet migrated`;

/** The tables' owner (set-up work), and the server's role, which row-level security binds (a workspace's data). */
interface Connections {
  owner: MikroORM;
  app(): Promise<MikroORM>;
}

type Command = (db: Connections, args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  'workspace create': async ({ owner }, args) => {
    const { workspace, adminKey } = await createWorkspace(owner.em.fork(), args.join(' '));
    process.stdout.write(`${JSON.stringify({ workspaceId: workspace.id, adminKey })}\n`);
    return 0;
  },
  import: async (db, args) => {
    const { values, positionals } = parseArgs({ args, options: { workspace: { type: 'string' } }, allowPositionals: true });
    const file = positionals[0];
    if (!file || !fs.existsSync(file)) throw new StartupError(`no such file: ${file ?? '(none given)'}`, 'give the path of an .ndjson, .jsonl or .csv file');
    const workspace = await chooseWorkspace(db.owner, values.workspace);
    const orm = await db.app();
    const bad: string[] = [];
    const report = (line: number, reason: string) => bad.push(`line ${line}: ${reason}`);
    const summary = await runInWorkspace(workspace.id, () =>
      runIngest(orm, workspace, readItems(file, report), undefined, (line, code, message) => report(line, `${code} ${message}`)),
    );
    for (const line of bad.sort((a, b) => Number(a.split(' ')[1].slice(0, -1)) - Number(b.split(' ')[1].slice(0, -1)))) process.stderr.write(`${line}\n`);
    printSummary(summary, bad.length);
    return 0;
  },
  seed: async (db, args) => {
    const { values } = parseArgs({ args, options: { customers: { type: 'string' }, workspace: { type: 'string' }, seed: { type: 'string' } } });
    const customers = Number(values.customers ?? 1000);
    if (!Number.isInteger(customers) || customers < 1) throw new StartupError(`--customers is "${values.customers}"`, 'give a positive whole number');
    const workspace = await chooseWorkspace(db.owner, values.workspace);
    const orm = await db.app();
    const events = [...seedEvents(customers, Number(values.seed ?? 42))].map((item, index) => ({ item, label: index }));
    const summary = await runInWorkspace(workspace.id, () =>
      runIngest(orm, workspace, events, events.length, (index, code, message) => process.stderr.write(`item ${index}: ${code} ${message}\n`)),
    );
    printSummary(summary, summary.errors);
    return 0;
  },
  migrate: async () => 0,
  'migration create': async ({ owner: orm }) => {
    const result = await orm.getMigrator().createMigration('migrations', false, false);
    process.stdout.write(result.fileName ? `wrote migrations/${result.fileName}; add it to migrations/index.ts\n` : 'no changes\n');
    return 0;
  },
};

function printSummary(summary: RunSummary, problems: number): void {
  const rate = Math.round(summary.items / Math.max(summary.seconds, 0.001));
  process.stdout.write(
    `${summary.items} items in ${summary.seconds.toFixed(1)} s (${rate}/s): ${summary.accepted} applied, ${summary.duplicates} duplicates, ` +
      `${summary.customersCreated} customers created, ${summary.merges} merges, ${problems} skipped\n`,
  );
  process.stdout.write(`${JSON.stringify({ ...summary, skipped: problems })}\n`);
}

/**
 * Command-line tools. They use the server's database: DATABASE_URL, or the embedded one under
 * .data/ (attached to when a server runs it, started and stopped around the command otherwise).
 */
async function main(argv: string[]): Promise<number> {
  const name = [`${argv[0]} ${argv[1]}`, argv[0]].find((candidate) => candidate in commands);
  if (!name) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  target.databaseUrl = config.databaseUrl;
  const database = await openDatabase(config, { log: (message) => process.stderr.write(`${message}\n`) });
  const orm = await connectOrm(database.url, config).catch(async (error) => {
    await database.release();
    throw error;
  });
  let app: MikroORM | undefined;
  try {
    if (name !== 'migration create') {
      const applied = await prepareDatabase(orm);
      if (applied.length) process.stderr.write(`applied ${applied.join(', ')}\n`);
    }
    const connections: Connections = {
      owner: orm,
      app: async () => (app ??= await connectOrm(await prepareAppRole(orm, config.appDatabaseUrl), config)),
    };
    return await commands[name](connections, argv.slice(name.split(' ').length));
  } finally {
    await app?.close();
    await orm.close();
    await database.release();
  }
}

const target: StartupTarget = {};
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`cdp: ${explainStartupFailure(error, target)}\n`);
    process.exit(1);
  },
);
