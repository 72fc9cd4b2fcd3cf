import { copyInto } from '../../src/db/copy';
import { sql } from '../../src/db/sql';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('copyInto', () => {
  it('rejects with the database error when the COPY fails, and the connection stays usable', async () => {
    const failure = await t.orm.em
      .fork()
      .transactional(async (tx) => {
        await sql(tx, `create temporary table copied (id int primary key, note text) on commit drop`);
        await copyInto(tx, 'copied', ['id', 'note'], [[1, 'first']]);
        await copyInto(tx, 'copied', ['id', 'note'], [[2, 'second'], [1, 'a duplicate key']]);
      })
      .catch((error: { code?: string }) => error);
    expect(failure).toMatchObject({ code: '23505' });
    // the rows sent behind a command that fails are ignored by the server: the same connection,
    // after rolling back to a savepoint, answers the next statement
    const answer = await t.orm.em.fork().transactional(async (tx) => {
      const missing = await tx.transactional((inner) => copyInto(inner, 'no_such_table', ['id'], [[1]])).catch((error: { code?: string }) => error);
      expect(missing).toMatchObject({ code: '42P01' });
      const [row] = await sql<{ answer: number }>(tx, 'select 42 as answer');
      return row.answer;
    });
    expect(answer).toBe(42);
  });

  it('reads back exactly what it wrote', async () => {
    const em = t.orm.em.fork();
    const back = await em.transactional(async (tx) => {
      await sql(tx, `create temporary table copied (id int primary key, note text, data jsonb) on commit drop`);
      await copyInto(tx, 'copied', ['id', 'note', 'data'], [
        [1, 'tab\there', { text: 'back\\slash "quoted"' }],
        [2, 'line\nbreak \\N', null],
        [3, null, { 中文: '😀' }],
      ]);
      return sql<{ id: number; note: string | null; data: unknown }>(tx, 'select id, note, data from copied order by id');
    });
    expect(back).toEqual([
      { id: 1, note: 'tab\there', data: { text: 'back\\slash "quoted"' } },
      { id: 2, note: 'line\nbreak \\N', data: null },
      { id: 3, note: null, data: { 中文: '😀' } },
    ]);
  });
});
