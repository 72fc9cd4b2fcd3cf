import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { bearerSecret } from '../src/modules/workspace/authenticator.service';
import { hashSecret } from '../src/modules/workspace/api-key.service';

/**
 * The one statement an ideal handler runs per request. It sets the session's workspace itself
 * (`set_config('cdp.workspace_id', $1, false)`, so that row-level security shows the rows) and
 * answers one row whose `answer` column is the response's JSON text.
 */
export interface IdealStatement {
  name: string;
  text: string;
  /** The statement's parameters after the workspace id ($1), from the request's GraphQL variables. */
  values(variables: Record<string, unknown>): unknown[];
}

export interface IdealHandler {
  url: string;
  /** Statements and round trips `request` costs this handler (a key it has not seen costs its lookup too). */
  sqlOf(request: () => Promise<unknown>): Promise<{ statements: number; roundTrips: number }>;
  close(): Promise<void>;
}

/** Before the workspace is known, row-level security shows an api_key row only to a transaction naming its hash. */
const KEY_LOOKUP = [
  'begin',
  `select set_config('cdp.api_key_hash', $1, true)`,
  'select workspace_id from api_key where hash = $1 and revoked_at is null',
  'commit',
];

/**
 * What the API would cost if it were only what a request needs: a bare Node `http` server with
 * `pg` that authenticates the bearer key as the API does (sha256 of the secret looked up in
 * api_key, the answer cached) and answers with one hand-written, prepared statement.
 */
export async function startIdealHandler(databaseUrl: string, poolSize: number, statement: IdealStatement): Promise<IdealHandler> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const workspaces = new Map<string, string | null>();
  const counts = { statements: 0, roundTrips: 0 };
  // the API server in this process makes pg set the workspace before each query; these queries set it themselves
  const query = (client: pg.Pool | pg.PoolClient, config: pg.QueryConfig) => {
    counts.statements += 1;
    counts.roundTrips += 1;
    return client.query({ ...config, carriesWorkspace: true } as pg.QueryConfig);
  };

  const workspaceOf = async (hash: string): Promise<string | null> => {
    if (workspaces.has(hash)) return workspaces.get(hash)!;
    const client = await pool.connect();
    try {
      let found: string | null = null;
      for (const text of KEY_LOOKUP) {
        const result = await query(client, { text, values: text.includes('$1') ? [hash] : [] });
        if (text.startsWith('select workspace_id')) found = result.rows[0]?.workspace_id ?? null;
      }
      workspaces.set(hash, found);
      return found;
    } finally {
      client.release();
    }
  };

  const answer = async (headers: http.IncomingHttpHeaders, body: string): Promise<{ status: number; text: string }> => {
    const secret = bearerSecret(headers.authorization);
    const workspaceId = secret ? await workspaceOf(hashSecret(secret)) : null;
    if (!workspaceId) return { status: 401, text: JSON.stringify({ errors: [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] }) };
    const { variables = {} } = JSON.parse(body) as { variables?: Record<string, unknown> };
    const result = await query(pool, { name: statement.name, text: statement.text, values: [workspaceId, ...statement.values(variables)] });
    const text = result.rows[0]?.answer as string | undefined;
    return text ? { status: 200, text } : { status: 200, text: '{"data":null}' };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req.headers, Buffer.concat(chunks).toString('utf8')).then(
        ({ status, text }) => res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    sqlOf: async (request) => {
      const before = { ...counts };
      await request();
      return { statements: counts.statements - before.statements, roundTrips: counts.roundTrips - before.roundTrips };
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}
