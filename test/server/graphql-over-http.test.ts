import { serverAudits } from 'graphql-http';
import { startTestServer, type TestServer } from '../support/server';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('GraphQL over HTTP', () => {
  it('passes every MUST audit of graphql-http', async () => {
    // Every request carries the API key, and the preflight header a non-browser client sends to
    // satisfy Apollo's CSRF prevention on GET (browsers cannot forge it cross-site).
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${t.adminKey}`);
      headers.set('apollo-require-preflight', 'true');
      return fetch(input, { ...init, headers });
    };
    const audits = serverAudits({ url: t.url, fetchFn });
    const failures: string[] = [];
    let should = 0;
    for (const audit of audits) {
      const result = await audit.fn();
      if (audit.name.startsWith('MUST') && result.status !== 'ok') failures.push(`${audit.name}: ${result.reason}`);
      if (audit.name.startsWith('SHOULD') && result.status === 'ok') should++;
    }
    expect(failures).toEqual([]);
    expect(should).toBeGreaterThan(0);
  });
});
