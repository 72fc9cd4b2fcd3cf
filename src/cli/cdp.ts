import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { connectOrm, migrate } from '../db/orm';
import { createWorkspace } from '../modules/workspace/workspace.service';

const USAGE = `usage: npm run cdp -- <command>

  workspace create NAME   create a workspace; prints {"workspaceId","adminKey"} as JSON on the last line
  migrate                 apply pending migrations
  migration create        write a migration for the entity changes not yet migrated`;

/**
 * Command-line tools. They use the server's database: DATABASE_URL, or the embedded one under
 * .data/ (attached to when a server runs it, started and stopped around the command otherwise).
 */
async function main(args: string[]): Promise<number> {
  const [group, action, ...rest] = args;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  if (!['workspace create', 'migrate', 'migration create'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase(config, (message) => process.stderr.write(`${message}\n`));
  const orm = await connectOrm(database.url, config);
  try {
    if (command === 'migration create') {
      const result = await orm.getMigrator().createMigration('migrations', false, false);
      process.stdout.write(result.fileName ? `wrote migrations/${result.fileName}; add it to migrations/index.ts\n` : 'no changes\n');
      return 0;
    }
    const applied = await migrate(orm);
    if (applied.length) process.stderr.write(`applied ${applied.join(', ')}\n`);
    if (command === 'workspace create') {
      const name = rest.join(' ');
      const { workspace, adminKey } = await createWorkspace(orm.em.fork(), name);
      process.stdout.write(`${JSON.stringify({ workspaceId: workspace.id, adminKey })}\n`);
    }
    return 0;
  } finally {
    await orm.close();
    await database.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
