import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The login role the server connects as when it creates one: no superuser, owns nothing, so row-level security holds for it. */
export const APP_ROLE = 'cdp_app';

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Derived from the owner's credentials and server (not the database: one role serves them all), so nothing new has to be kept; base64url, so it needs no quoting. */
function passwordFor(ownerUrl: string): string {
  const { username, password, host } = new URL(ownerUrl);
  return createHmac('sha256', `${username}:${password}@${host}`).update(APP_ROLE).digest('base64url');
}

/**
 * The URL the server connects with. With the owner allowed to create roles (the embedded server's
 * superuser, or a DATABASE_URL role with CREATEROLE), the role {@link APP_ROLE} is created when
 * missing; otherwise there is none, and the server runs as the owner, which the policies do not bind.
 */
export async function ensureAppRole(ownerUrl: string): Promise<string | undefined> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const [me] = (await client.query<{ may: boolean }>(`select rolsuper or rolcreaterole as may from pg_roles where rolname = current_user`)).rows;
    if (!me?.may) return undefined;
    const password = passwordFor(ownerUrl);
    const { rowCount } = await client.query(`select 1 from pg_roles where rolname = $1`, [APP_ROLE]);
    if (!rowCount) {
      await client
        .query(`create role ${quote(APP_ROLE)} login nosuperuser nocreatedb nocreaterole nobypassrls password '${password}'`)
        // another process created it at the same moment
        .catch((error: { code?: string }) => {
          if (error.code !== '42710' && error.code !== '23505') throw error;
        });
    }
    const url = new URL(ownerUrl);
    url.username = APP_ROLE;
    url.password = password;
    return url.toString();
  } finally {
    await client.end();
  }
}

/**
 * The role's rights, given again at every start (the tables a migration adds get them too): our
 * tables' rows, which the workspace policies confine, and the job runner's queue, whose tables
 * graphile-worker shuts with row-level security and no policy, so the role gets one of its own there.
 */
export async function grantAppRole(em: EntityManager, role: string): Promise<void> {
  const to = quote(role);
  await em.execute(
    [
      `grant usage on schema public, graphile_worker to ${to}`,
      `grant select, insert, update, delete on all tables in schema public to ${to}`,
      `grant usage, select on all sequences in schema public to ${to}`,
      `grant select, insert, update, delete on all tables in schema graphile_worker to ${to}`,
      `grant usage, select on all sequences in schema graphile_worker to ${to}`,
      `grant execute on all functions in schema graphile_worker to ${to}`,
      `do $$ declare t record; begin
         for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity
                    and not exists (select 1 from pg_policies p where p.schemaname = 'graphile_worker' and p.tablename = c.relname and p.policyname = 'cdp_app_jobs')
         loop execute format('create policy cdp_app_jobs on graphile_worker.%I to ${to.replace(/'/g, "''")} using (true) with check (true)', t.relname);
         end loop; end $$`,
      LEAKPROOF_ARRAY_OPERATORS,
    ].join('; '),
  );
}

/**
 * Under row-level security the planner lets only leakproof operators reach an index ahead of the
 * policy, and PostgreSQL does not mark the array operators so, which turns the knowledge base's
 * term search (`terms && ...`, `terms @> ...`, GIN-indexed) into a scan of the workspace. They
 * reveal nothing of the rows they compare (they fail only for mismatched element types, which
 * the statement fixes), so a superuser owner marks them; another owner leaves them, and the search
 * is slower.
 */
const LEAKPROOF_ARRAY_OPERATORS = `do $$ declare f regprocedure; begin
  if (select rolsuper from pg_roles where rolname = current_user) then
    for f in select p.oid::regprocedure from pg_proc p
             where p.oid in ('arrayoverlap(anyarray, anyarray)'::regprocedure, 'arraycontains(anyarray, anyarray)'::regprocedure, 'arraycontained(anyarray, anyarray)'::regprocedure)
               and not p.proleakproof
    loop execute format('alter function %s leakproof', f);
    end loop;
  end if; end $$`;

/** The user a database URL logs in as. */
export const roleOf = (url: string): string => decodeURIComponent(new URL(url).username);
