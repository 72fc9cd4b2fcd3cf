import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import bytes from 'bytes';

export interface EndpointOptions<C extends BaseContext> {
  /** The largest body read, as express.json's `limit` takes it ('2mb'). */
  bodyBytes: string;
  /** Runs before the operation, as middleware does (CORS headers, the request id); calls `next` to go on. */
  before: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  context: (req: IncomingMessage) => Promise<C>;
  /** Answers a body that cannot be read (too large, not JSON) as the rest of the server does. */
  refuse: (res: ServerResponse, error: { status: number; type: string; message: string }) => void;
}

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * The busiest route, POST /graphql with a plain JSON body, served straight from Node's http
 * server: no router, body parser or response helpers on the way. Returns false for any other
 * request (another path or method, another content type, a compressed body), which express serves
 * as before, so every edge case keeps the one answer it had. What it does take gets the same
 * answers as express.json followed by Apollo's express integration.
 */
export function graphqlEndpoint<C extends BaseContext>(apollo: ApolloServer<C>, options: EndpointOptions<C>) {
  const limit = bytes.parse(options.bodyBytes) ?? 2 * 1024 * 1024;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || req.url !== '/graphql' || !JSON_TYPE.test(req.headers['content-type'] ?? '') || req.headers['content-encoding']) return false;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume();
      options.refuse(res, { status: 413, type: 'entity.too.large', message: 'request entity too large' });
      return true;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (length > limit) return options.refuse(res, { status: 413, type: 'entity.too.large', message: 'request entity too large' });
      let body: unknown;
      try {
        body = parseStrict(Buffer.concat(chunks, length).toString('utf8'));
      } catch (error) {
        return options.refuse(res, { status: 400, type: 'entity.parse.failed', message: (error as Error).message });
      }
      options.before(req, res, () =>
        answer(apollo, options, req, res, body).catch((error: unknown) => {
          if (res.headersSent) res.destroy(error as Error);
          else options.refuse(res, { status: 500, type: 'internal', message: String(error) });
        }),
      );
    });
    return true;
  };
}

/** body-parser's strict JSON: an empty body is `{}`, and only an object or an array is a body. */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${first ?? 'end'} in JSON at position 0`);
  return JSON.parse(text);
}

async function answer<C extends BaseContext>(apollo: ApolloServer<C>, options: EndpointOptions<C>, req: IncomingMessage, res: ServerResponse, body: unknown) {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body },
    context: () => options.context(req),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(response.body.string));
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
