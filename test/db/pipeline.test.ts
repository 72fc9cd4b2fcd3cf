import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { pipeline, TextArray } from '../../src/db/pipeline';
import { connectOrm } from '../../src/db/orm';
import { readByKey, sql } from '../../src/db/sql';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;

const copyInto = (em: EntityManager, table: string, columns: string[], rows: unknown[][]) => pipeline(em, [{ table, columns, rows }]);

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('a COPY step', () => {
  it('rejects with the database error when the COPY fails, and the connection stays usable', async () => {
    const failure = await t.orm.em
      .fork()
      .transactional(async (tx) => {
        await sql(tx, `create temporary table copied (id int primary key, note text) on commit drop`);
        await copyInto(tx, 'copied', ['id', 'note'], [[1, 'first']]);
        await copyInto(
          tx,
          'copied',
          ['id', 'note'],
          [
            [2, 'second'],
            [1, 'a duplicate key'],
          ],
        );
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
      await copyInto(
        tx,
        'copied',
        ['id', 'note', 'data'],
        [
          [1, 'tab\there', { text: 'back\\slash "quoted"' }],
          [2, 'line\nbreak \\N', null],
          [3, null, { 中文: '😀' }],
        ],
      );
      return sql<{ id: number; note: string | null; data: unknown }>(tx, 'select id, note, data from copied order by id');
    });
    expect(back).toEqual([
      { id: 1, note: 'tab\there', data: { text: 'back\\slash "quoted"' } },
      { id: 2, note: 'line\nbreak \\N', data: null },
      { id: 3, note: null, data: { 中文: '😀' } },
    ]);
  });
});

describe('pipeline', () => {
  it('runs statements and COPYs in order in one round trip and returns each one rows, parsed', async () => {
    const results = await t.orm.em.fork().transactional(async (tx) => {
      await sql(tx, `create temporary table piped (id int primary key, at timestamptz, tags text[]) on commit drop`);
      return pipeline(tx, [
        { text: `insert into piped (id, at, tags) select x, ?, ? from unnest(?::int[]) x`, params: [new Date('2026-01-02T03:04:05Z'), ['a', 'b'], [1, 2]] },
        { table: 'piped', columns: ['id', 'at', 'tags'], rows: [[3, new Date('2026-01-03T00:00:00Z'), new TextArray(['c "quoted"'])]] },
        { table: 'piped', columns: ['id'], rows: [] },
        { text: `select id, at, tags, '?' as mark from piped where id >= ? order by id`, params: [2] },
        { text: `select json_build_object('n', count(*)) as counted from piped` },
      ]);
    });
    // values are parsed by the connection's own type parsers, as `sql` parses them (the ORM keeps times as text)
    expect(results).toEqual([
      [],
      [],
      [],
      [
        { id: 2, at: '2026-01-02 03:04:05+00', tags: ['a', 'b'], mark: '?' },
        { id: 3, at: '2026-01-03 00:00:00+00', tags: ['c "quoted"'], mark: '?' },
      ],
      [{ counted: { n: 3 } }],
    ]);
  });

  it('stops at the first failing step: it rejects with that error and the steps behind it do not run', async () => {
    const em = t.orm.em.fork();
    await sql(em, `create sequence if not exists piped_steps`);
    await sql(em, `select setval('piped_steps', 10)`);
    const failure = await em
      .transactional(async (tx) => {
        await sql(tx, `create temporary table piped_after (id int) on commit drop`);
        // the COPY's rows already follow the failing step on the wire: the server drops them
        return pipeline(tx, [
          { text: `select nextval('piped_steps')` },
          { text: `select 1 / (? - 1)`, params: [1] },
          { table: 'piped_after', columns: ['id'], rows: [[1], [2]] },
          { text: `select nextval('piped_steps')` },
        ]);
      })
      .catch((error: { code?: string }) => error);
    expect(failure).toMatchObject({ code: '22012' });
    // sequences do not roll back: one step ran before the failure, none after it
    const [after] = await sql<{ value: string }>(em, `select last_value::text as value from piped_steps`);
    expect(after.value).toBe('11');
    const [row] = await sql<{ answer: number }>(em, 'select 42 as answer');
    expect(row.answer).toBe(42);
  });

  it('takes turns when several share a transaction: each answers its own steps, in the order they were sent, one at a time on the connection', async () => {
    const { answers, most } = await t.orm.em.fork().transactional(async (tx) => {
      await sql(tx, `create temporary table piped_turns (n int) on commit drop`);
      // pg 8 queues a query sent while another runs (deprecated; pg 9 refuses it): count how many the connection holds at once
      const connection = (await tx.getTransactionContext<Knex.Transaction>()!.client.acquireConnection()) as PoolClient;
      const query = connection.query;
      let inFlight = 0;
      let most = 0;
      connection.query = ((submitted: { handleReadyForQuery(): void }) => {
        most = Math.max(most, ++inFlight);
        const ready = submitted.handleReadyForQuery.bind(submitted);
        submitted.handleReadyForQuery = () => {
          inFlight--;
          ready();
        };
        return query.call(connection, submitted as never);
      }) as never;
      try {
        // loaders resolving side by side inside one mutation do this
        const answers = await Promise.all(
          [1, 2, 3, 4].map((n) =>
            pipeline(tx, [{ text: `insert into piped_turns values (?)`, params: [n] }, { text: `select array_agg(n order by n) seen from piped_turns` }]),
          ),
        );
        return { answers, most };
      } finally {
        connection.query = query;
      }
    });
    expect(answers.map(([, [row]]) => row.seen)).toEqual([[1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]);
    expect(most).toBe(1);
  });

  it('gives each statement its own snapshot: a read behind a lock wait sees what the lock holder committed', async () => {
    const em = t.orm.em.fork();
    await sql(em, `create table if not exists piped_commits (id int)`);
    await sql(em, `truncate piped_commits`);
    const signal = () => {
      let done!: () => void;
      return { done: new Promise<void>((resolve) => (done = resolve)), now: () => done() };
    };
    const [holderLocked, waiterLocked] = [signal(), signal()];
    // the waiter holds lock 2 until its pipeline begins: once the holder gets lock 2, the pipeline's next statement is the wait for lock 1
    const holder = t.orm.em.fork().transactional(async (tx) => {
      await sql(tx, `select pg_advisory_xact_lock(424242)`);
      await sql(tx, `insert into piped_commits values (1)`);
      holderLocked.now();
      await waiterLocked.done;
      await sql(tx, `select pg_advisory_xact_lock(424243)`);
    });
    await holderLocked.done;
    const waiter = t.orm.em.fork().transactional(async (tx) => {
      await sql(tx, `select pg_advisory_lock(424243)`);
      waiterLocked.now();
      return pipeline(tx, [
        { text: `select pg_advisory_unlock(424243)` },
        { text: `select pg_advisory_xact_lock(424242)` },
        { text: `select count(*)::int as n from piped_commits` },
      ]);
    });
    await holder;
    const [, , [counted]] = await waiter;
    expect(counted.n).toBe(1);
    await sql(em, `drop table piped_commits`);
  });
});

describe('sql', () => {
  it('binds ? outside literals, quoted names and comments (whatever they hold), and binds arrays as arrays', async () => {
    const rows = await sql<Record<string, unknown>>(
      t.orm.em.fork(),
      `select ? as "what?", '?' as literal, ?::int[] as numbers -- the customer's ? stays
       , ? as last`,
      ['first', [1, 2], 'last'],
    );
    expect(rows).toEqual([{ 'what?': 'first', literal: '?', numbers: [1, 2], last: 'last' }]);
  });
});

describe('a read by key outside a transaction', () => {
  it('is planned generically, and the setting ends with it on its pooled connection', async () => {
    const orm = await connectOrm(t.databaseUrl, { ...t.config, poolSize: 1 });
    try {
      const mode = () => sql<{ mode: string }>(orm.em.fork(), `select current_setting('plan_cache_mode') mode`).then(([row]) => row.mode);
      expect(await mode()).toBe('auto');
      const [row] = await readByKey<{ mode: string; answer: number }>(orm.em.fork(), `select current_setting('plan_cache_mode') mode, ?::int answer`, [7]);
      expect(row).toEqual({ mode: 'force_generic_plan', answer: 7 });
      // the pool's one connection, asked again
      expect(await mode()).toBe('auto');
    } finally {
      await orm.close();
    }
  });
});

describe('a read by key, prepared on its connection', () => {
  const prepared = (em: EntityManager) =>
    sql<{ name: string; calls: string }>(
      em,
      `select name, generic_plans + custom_plans as calls from pg_prepared_statements where name like 'cdp\\_%' order by name`,
    );

  it('is parsed once per connection and then only bound and executed', async () => {
    const orm = await connectOrm(t.databaseUrl, { ...t.config, poolSize: 1 });
    try {
      const before = (await prepared(orm.em.fork())).length;
      for (const answer of [1, 2, 3])
        expect(await readByKey(orm.em.fork(), `select ?::int as answer, 'prepared once' as note`, [answer])).toEqual([{ answer, note: 'prepared once' }]);
      // the statement itself and the plan setting in front of it
      expect((await prepared(orm.em.fork())).length).toBe(before + 2);
    } finally {
      await orm.close();
    }
  });

  it('is prepared again after a failure and after its table changed shape, with the same answers', async () => {
    const orm = await connectOrm(t.databaseUrl, { ...t.config, poolSize: 1 });
    try {
      await sql(orm.em.fork(), `create table reshaped (id int primary key, note text)`);
      await sql(orm.em.fork(), `insert into reshaped values (1, 'one')`);
      const read = () => readByKey(orm.em.fork(), `select * from reshaped where id = ?`, [1]);
      expect(await read()).toEqual([{ id: 1, note: 'one' }]);
      // a failing statement in front leaves the pipeline's statements uncertain: closed and parsed again
      const failed = await readByKey(orm.em.fork(), `select 1 / (? - 1) as boom`, [1]).catch((error: { code?: string }) => error);
      expect(failed).toMatchObject({ code: '22012' });
      expect(await read()).toEqual([{ id: 1, note: 'one' }]);
      await sql(orm.em.fork(), `alter table reshaped add column added int default 5`);
      expect(await read()).toEqual([{ id: 1, note: 'one', added: 5 }]);
    } finally {
      await sql(orm.em.fork(), `drop table if exists reshaped`);
      await orm.close();
    }
  });
});
