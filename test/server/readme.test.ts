import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { Role } from '../../src/graphql/enums';
import { data } from '../support/client';
import { operations } from '../support/operations';
import { startTestServer, type TestServer } from '../support/server';

const run = promisify(execFile);
const op = operations('workspace.graphql');
const examples = fs.readFileSync(path.resolve('README.md'), 'utf8').split('\n## Examples\n')[1].split('\n## ')[0];
/** The README's code block of a language in its Examples section, as written. */
const block = (language: string) => new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(examples)![1];

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

/** The README speaks of a server on localhost:4000; this one listens on a port of its own. */
const onThisServer = (text: string) => text.replaceAll('localhost:4000', `127.0.0.1:${t.server.port}`);

describe("the README's examples, as written", () => {
  it('curl: reads the workspace and ingests an order', async () => {
    const script = onThisServer(block('sh')).replace(/^KEY=cdp_\.\.\..*$/m, `KEY=${t.adminKey}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script]);
    // curl -s prints each answer without a newline
    const [workspace, ingested] = JSON.parse(`[${stdout.replace(/}\s*{"data"/g, '},{"data"')}]`);
    expect(workspace).toMatchObject({
      data: { workspace: { id: t.workspaceId, name: 'Workspace A', settings: { highValueAnnualSpend: 100000, timezone: 'Asia/Shanghai' } } },
    });
    expect(ingested).toMatchObject({ data: { ingest: { accepted: 1, duplicates: 0, customersCreated: 1, merges: 0, errors: [] } } });
  });

  it('graphql-ws: feed.mjs in the project directory prints audit entries as they happen', async () => {
    const feed = path.resolve(`feed-${randomBytes(4).toString('hex')}.mjs`);
    fs.writeFileSync(feed, onThisServer(block('js')));
    const fanout = t.server.bus.fanout;
    const subscribe = fanout.subscribe.bind(fanout);
    const subscribed = new Promise<void>((resolve) => {
      fanout.subscribe = ((topic, keep) => {
        if (topic === 'AUDIT_ENTRY_ADDED') resolve();
        return subscribe(topic, keep);
      }) as typeof fanout.subscribe;
    });
    const child = spawn(process.execPath, [feed], { env: { ...process.env, KEY: t.adminKey }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const firstLine = new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
      await subscribed;
      const made = await data(t.url, t.adminKey, op.CreateApiKey({ name: 'from the README', role: Role.ANALYST }));
      expect(JSON.parse(await firstLine)).toEqual({
        data: {
          auditEntryAdded: {
            id: expect.any(String),
            action: 'api_key.created',
            subjectType: 'ApiKey',
            subjectId: made.createApiKey.apiKey.id,
            at: expect.any(String),
          },
        },
      });
    } finally {
      fanout.subscribe = subscribe;
      child.kill();
      fs.rmSync(feed, { force: true });
    }
  });
});
