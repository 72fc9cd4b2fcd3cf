import { serverAudits, type Audit, type AuditResult } from 'graphql-http';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

/**
 * Every request carries the API key. GET requests also carry `apollo-require-preflight: true`:
 * Apollo's CSRF prevention refuses a GET (and a POST of a "simple" content type) unless it has a
 * header a browser would only send after a CORS preflight; a real non-browser client sends it, and
 * a cross-site form or <img> cannot. POSTs get no such help: they must pass on their content type.
 */
const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${t.adminKey}`);
  if ((init.method ?? 'GET').toUpperCase() === 'GET') headers.set('apollo-require-preflight', 'true');
  return fetch(input, { ...init, headers });
};

const audits = serverAudits({ url: () => t.url, fetchFn });
const level = (prefix: 'MUST' | 'SHOULD') => audits.filter((audit) => audit.name.startsWith(`${prefix} `));

/** What a failed audit saw, for the assertion message. */
async function explain(audit: Audit, result: AuditResult): Promise<string> {
  if (result.status === 'ok') return 'ok';
  let body = '';
  try {
    body = (await result.response.clone().text()).slice(0, 300);
  } catch {
    body = '(body already read)';
  }
  return `${audit.id} "${audit.name}" ${result.status}: ${result.reason}; answered ${result.response.status} ${result.response.headers.get('content-type')} ${body}`;
}

describe('GraphQL over HTTP (graphql-http audits)', () => {
  it('has the MUST audits to run', () => {
    expect(level('MUST').length).toBeGreaterThanOrEqual(13);
  });

  it.each(level('MUST').map((audit) => [audit.id, audit.name, audit] as const))('%s %s', async (_id, _name, audit) => {
    const result = await audit.fn();
    expect(await explain(audit, result)).toBe('ok');
  });

  it('passes the SHOULD audits, except the known deviations', async () => {
    const failed: string[] = [];
    for (const audit of level('SHOULD')) {
      const result = await audit.fn();
      if (result.status !== 'ok') failed.push(await explain(audit, result));
    }
    // Apollo answers every parse, validation and variable-coercion failure with 400, also to a
    // client that accepts only application/json, where the spec suggests 200 (a legacy-client
    // recommendation; for application/graphql-response+json, 400 is what it asks for).
    const known = ['572B', 'FDE2', '7B9B'];
    expect(failed.map((reason) => reason.slice(0, 4)).sort()).toEqual(known.sort());
    expect(level('SHOULD').length - failed.length).toBeGreaterThanOrEqual(20);
  });
});
