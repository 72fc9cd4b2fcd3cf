import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { connectOrm } from '../../src/db/orm';
import { pipeline, readPipeline } from '../../src/db/pipeline';
import { sql } from '../../src/db/sql';
import { Customer } from '../../src/modules/customer/customer.entity';
import { runInWorkspace } from '../../src/telemetry/request-scope';
import * as workspaceService from '../../src/modules/workspace/workspace.service';
import { operations } from '../support/operations';
import { data } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

const { Customers } = operations('customer.graphql');

let t: TestServer;
let b: { workspaceId: string; adminKey: string };
/** The server's role on a pool of one connection: every statement below shares one session. */
let one: MikroORM;

const workspacesSeen = (rows: { workspace_id: string }[]) => [...new Set(rows.map((row) => row.workspace_id))];

beforeAll(async () => {
  t = await startTestServer();
  b = await t.addWorkspace('Workspace B');
  await t.ingest([
    { messageId: randomUUID(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'a1@example.com' }], occurredAt: '2026-01-01T00:00:00Z' },
  ]);
  await t.ingest([
    { messageId: randomUUID(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'a2@example.com' }], occurredAt: '2026-01-01T00:00:00Z' },
  ]);
  await t.ingest(
    [{ messageId: randomUUID(), kind: 'IDENTIFY', identifiers: [{ type: 'EMAIL', value: 'b1@example.com' }], occurredAt: '2026-01-01T00:00:00Z' }],
    b.adminKey,
  );
  one = await connectOrm(t.serverOrm.config.get('clientUrl')!, { ...t.config, poolSize: 1 });
});
afterAll(async () => {
  await one.close();
  await t.stop();
});

describe('row-level security', () => {
  it('binds the role the server connects as: no superuser, no bypass, owner of no table', async () => {
    const [role] = await sql(
      t.serverOrm.em.fork(),
      `select r.rolsuper, r.rolbypassrls, (select count(*)::int from pg_tables where tableowner = current_user and schemaname in ('public', 'graphile_worker')) as owned
       from pg_roles r where r.rolname = current_user`,
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it('is on, with a policy, for every table that holds a workspace_id', async () => {
    const unguarded = await t.sql(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
         and exists (select 1 from information_schema.columns k where k.table_schema = 'public' and k.table_name = c.relname and k.column_name = 'workspace_id')
         and not (c.relrowsecurity and exists (select 1 from pg_policies p where p.tablename = c.relname and p.policyname = 'workspace_isolation'))`,
    );
    expect(unguarded).toEqual([]);
  });

  it("shows raw SQL, the query builder and pipelines with no workspace condition only the workspace's own rows", async () => {
    const inB = await runInWorkspace(b.workspaceId, async () => ({
      raw: await sql<{ workspace_id: string }>(one.em.fork(), `select workspace_id from customer`),
      unfiltered: await one.em.fork().find(Customer, {}, { filters: false }),
      piped: (await readPipeline(one.em.fork(), [{ text: `select workspace_id from identity` }]))[0],
    }));
    expect(workspacesSeen(inB.raw as { workspace_id: string }[])).toEqual([b.workspaceId]);
    expect(inB.unfiltered.map((customer) => customer.workspace.id)).toEqual([b.workspaceId]);
    expect(workspacesSeen(inB.piped as { workspace_id: string }[])).toEqual([b.workspaceId]);
    // the same session, moved back to A
    const inA = await runInWorkspace(t.workspaceId, () => sql<{ workspace_id: string }>(one.em.fork(), `select workspace_id from customer`));
    expect(inA).toHaveLength(2);
    expect(workspacesSeen(inA)).toEqual([t.workspaceId]);
  });

  it('lets the array operators of the knowledge search reach their index ahead of the policy (leakproof)', async () => {
    const rows = await t.sql(`select proname, proleakproof from pg_proc where proname in ('arrayoverlap', 'arraycontains', 'arraycontained') order by proname`);
    expect(rows).toEqual(['arraycontained', 'arraycontains', 'arrayoverlap'].map((proname) => ({ proname, proleakproof: true })));
  });

  it('shows nothing when no workspace is known', async () => {
    await runInWorkspace(b.workspaceId, () => sql(one.em.fork(), `select 1`));
    expect(await sql(one.em.fork(), `select id from customer`)).toEqual([]);
    expect(await sql(t.serverOrm.em.fork(), `select id from customer`)).toEqual([]);
  });

  it('refuses to write a row into another workspace, by INSERT and by COPY', async () => {
    const insert = await runInWorkspace(b.workspaceId, () =>
      sql(one.em.fork(), `insert into suppression (id, workspace_id, type, value_hash, created_at) values (gen_random_uuid(), ?, 'EMAIL', 'h', now())`, [
        t.workspaceId,
      ]),
    ).catch((error: { code?: string }) => error);
    expect(insert).toMatchObject({ code: '42501' });
    const copy = await runInWorkspace(b.workspaceId, () =>
      one.em.fork().transactional((tx) =>
        pipeline(tx, [
          {
            table: 'suppression',
            columns: ['id', 'workspace_id', 'type', 'value_hash', 'created_at'],
            rows: [[randomUUID(), t.workspaceId, 'EMAIL', 'h', new Date()]],
          },
        ]),
      ),
    ).catch((error: { code?: string }) => error);
    expect(copy).toMatchObject({ code: '42501' });
  });

  it('keeps the workspace right after a transaction that moved the session rolls back', async () => {
    await runInWorkspace(b.workspaceId, () => sql(one.em.fork(), `select 1`));
    const failed = await one.em
      .fork()
      .transactional(async (tx) => {
        await runInWorkspace(t.workspaceId, () => sql(tx, `select id from customer`));
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    expect(failed).toBe('roll back');
    // the rollback put the session back on B: the next statement for A must move it again
    const inA = await runInWorkspace(t.workspaceId, () => sql<{ workspace_id: string }>(one.em.fork(), `select workspace_id from customer`));
    expect(workspacesSeen(inA)).toEqual([t.workspaceId]);
    const inB = await runInWorkspace(b.workspaceId, () => sql<{ workspace_id: string }>(one.em.fork(), `select workspace_id from customer`));
    expect(workspacesSeen(inB)).toEqual([b.workspaceId]);
  });

  it('confines raw SQL run inside a request of workspace B, with no workspace condition, to B', async () => {
    const seen: { workspace_id: string }[][] = [];
    const original = workspaceService.getWorkspace;
    const spy = jest.spyOn(workspaceService, 'getWorkspace').mockImplementation(async (em, id) => {
      seen.push(await sql<{ workspace_id: string }>(em, `select workspace_id from customer`));
      return original(em, id);
    });
    try {
      const answer = await data(t.url, b.adminKey, { query: `{ customerByIdentity(type: EMAIL, value: "nobody@rls.test") { id } }` });
      expect(answer.customerByIdentity).toBeNull();
    } finally {
      spy.mockRestore();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual([{ workspace_id: b.workspaceId }]);
  });

  it("answers each key's requests with its own workspace's rows", async () => {
    const a = await data(t.url, t.adminKey, Customers({ first: 10 }));
    const inB = await data(t.url, b.adminKey, Customers({ first: 10 }));
    expect(a.customers.edges).toHaveLength(2);
    expect(inB.customers.edges).toHaveLength(1);
  });
});
