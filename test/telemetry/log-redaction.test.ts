import { Writable } from 'node:stream';
import pino from 'pino';
import { logSerializers } from '../../src/telemetry/logger';
import { startTestServer, type TestServer } from '../support/server';

/** What a logger with the server's serializers writes for one error. */
function logged(error: unknown): string {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
  pino({ serializers: logSerializers }, sink).error({ err: error }, 'unexpected error');
  return lines.join('');
}

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the statement to fail');
}

describe('error logs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());

  it('carry the statement of a database error without its values', async () => {
    const error = await failure(() =>
      t.orm.em.fork().execute(`select id from identity where value = ? and id = ?`, ['secret.person@example.com', 'not-a-uuid-4711']),
    );
    expect(error.message).toContain('secret.person@example.com');
    const line = logged(error);
    expect(line).toContain('select id from identity where value = ');
    expect(line).not.toContain('secret.person@example.com');
    expect(line).not.toContain('not-a-uuid-4711');
  });

  it("redact the row or key PostgreSQL repeats in an error's detail", async () => {
    const error = await failure(() =>
      t.orm.em
        .fork()
        .execute(`insert into workspace (id, name, created_at, updated_at, stored_settings) values (?, ?, now(), now(), '{}')`, [
          t.workspaceId,
          'Secret Name 8812',
        ]),
    );
    expect(JSON.stringify({ ...error, message: error.message })).toContain(t.workspaceId);
    const line = logged(error);
    expect(line).toContain('already exists');
    expect(line).not.toContain(t.workspaceId);
    expect(line).not.toContain('Secret Name 8812');
  });
});
