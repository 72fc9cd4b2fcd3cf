import pg from 'pg';
import { countRoundTrip, currentRequest } from '../telemetry/request-scope';

/**
 * Row-level security: every table with `workspace_id` shows a connection only the rows of the
 * workspace its session names in this setting (the policies are in Migration20261203170000).
 */
export const WORKSPACE_SETTING = 'cdp.workspace_id';
export const SET_WORKSPACE = `select set_config('${WORKSPACE_SETTING}', $1, false)`;

/** What each connection's session has set: sessions outlive requests, so a connection is moved only when the next statement's workspace differs. */
const sessions = new WeakMap<object, string>();

/**
 * The workspace to move a connection's session to before the caller's next statement, or
 * undefined when it is there already. None known (a start-up task, a request before its key is
 * read) is the empty setting, under which the policies show no rows at all.
 */
export function workspaceSwitch(connection: object): string | undefined {
  const wanted = currentRequest()?.workspaceId ?? '';
  if (sessions.get(connection) === wanted) return undefined;
  sessions.set(connection, wanted);
  return wanted;
}

/** After a rollback or a failed pipeline the session may hold an older setting: set it again before the next statement. */
export function forgetSession(connection: object): void {
  sessions.delete(connection);
}

/** A query that sets the workspace itself, in front of its own statements. */
export interface CarriesWorkspace {
  readonly carriesWorkspace: true;
}

const ROLLBACK = /^\s*rollback\b/i;
let installed = false;

/**
 * Makes every statement pg sends run with its caller's workspace set, and counts the round trips. Our pipelines put the setting
 * in front of their own statements (one round trip); for other queries (the ORM's), the setting
 * goes just before, on the same connection, only when the connection changes workspace.
 */
export function installWorkspaceSessions(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    countRoundTrip();
    const own = () => query.call(this, config, ...rest);
    if ((config as Partial<CarriesWorkspace> | null)?.carriesWorkspace) return own();
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    const workspace = typeof text === 'string' && ROLLBACK.test(text) ? void forgetSession(this) : workspaceSwitch(this);
    if (workspace === undefined) return own();
    countRoundTrip();
    const set = (query.call(this, SET_WORKSPACE, [workspace]) as Promise<unknown>).catch((error: unknown) => {
      forgetSession(this);
      throw error;
    });
    // a stream (COPY TO) is handed back at once, so it queues behind the setting; any other query follows its answer, as pg 9 will insist
    if (typeof (config as { submit?: unknown }).submit === 'function') {
      set.catch(() => {});
      return own();
    }
    const callback = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as (error: unknown, result?: unknown) => void) : undefined;
    const answer = set.then(() => own() as Promise<unknown>);
    if (!callback) return answer;
    answer.then(
      (result) => callback(null, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  } as typeof pg.Client.prototype.query;
}
