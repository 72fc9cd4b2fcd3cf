import { randomUUID } from 'node:crypto';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import WebSocket from 'ws';
import { data, type Operation } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

/**
 * For every argument of every root field, read from the server's own introspection: hostile values
 * in that argument (or in one field of its input object), plausible ones in the required others,
 * over HTTP and over WebSocket. None may answer INTERNAL_SERVER_ERROR or suggest a name.
 */

const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
// JSON.stringify cannot write 5,000 levels (it overflows the stack); JSON.parse reads them, as the
// server does: requests are written as text with these markers replaced
const DEEP = { DEEP_OBJECT_5000: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`, DEEP_LIST_5000: `${'['.repeat(5_000)}1${']'.repeat(5_000)}` };
const asText = (value: unknown): string => {
  let text = JSON.stringify(value);
  for (const [marker, json] of Object.entries(DEEP)) text = text.replaceAll(`"${marker}"`, json);
  return text;
};

const HOSTILE_STRINGS = ['a\u0000b', 'a\ud800b', '\udc00', 'y'.repeat(100_000)];
const HOSTILE_CURSORS = [
  cursor(['x']),
  cursor({}),
  cursor(5),
  cursor(null),
  cursor(['2020-02-30T00:00:00.000Z', randomUUID()]),
  cursor([1, 'x', 'y']),
  'not a cursor!',
  '\u0000',
];
const HOSTILE: Record<string, unknown[]> = {
  String: [...HOSTILE_STRINGS, 5, { a: 1 }],
  ID: [...HOSTILE_STRINGS, 'abc', '', '5', 1.5, { a: 1 }],
  Int: ['x', 1.5, 2 ** 31, -1, -(2 ** 31), { a: 1 }],
  Float: ['x', -1, 1e308, { a: 1 }],
  Boolean: ['yes', 0],
  DateTime: ['yesterday', '2020-02-30T00:00:00Z', '\u0000', 5],
  JSON: [
    'DEEP_OBJECT_5000',
    'DEEP_LIST_5000',
    { a: 'DEEP_OBJECT_5000' },
    { 'a\u0000': 1 },
    { a: 'b\u0000' },
    { a: ['\ud800'] },
    'x\u0000',
    { a: 'y'.repeat(100_000) },
  ],
};

/** A value graphql-js accepts for the type, as little as is required. */
function plausible(type: GraphQLInputType, ids: string, seen = new Set<string>()): unknown {
  if (isNonNullType(type)) return plausible(type.ofType, ids, seen);
  if (isListType(type)) return [plausible(type.ofType, ids, seen)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && !seen.has(type.name));
    return Object.fromEntries(fields.map((field) => [field.name, plausible(field.type, ids, new Set([...seen, type.name]))]));
  }
  return { ID: ids, String: 'hello', Int: 1, Float: 1.5, Boolean: true, DateTime: new Date().toISOString(), JSON: { a: 1 } }[type.name];
}

/** Hostile variants of one argument: the value itself, and each field of an input object (two levels down). */
function hostileValues(type: GraphQLInputType, name: string, ids: string, depth = 0): unknown[] {
  const named = getNamedType(type);
  const wrap = (value: unknown) => (isListType(isNonNullType(type) ? type.ofType : type) ? [value] : value);
  if (isEnumType(named)) return [wrap('NOPE'), wrap(5)];
  if (isInputObjectType(named)) {
    const base = plausible(named, ids) as Record<string, unknown>;
    const variants: unknown[] = ['a string', wrap({ ...base, unknownField: 1 }), 'DEEP_OBJECT_5000', 'DEEP_LIST_5000'];
    if (depth < 2) {
      for (const field of Object.values(named.getFields())) {
        for (const value of hostileValues(field.type, field.name, ids, depth + 1)) variants.push(wrap({ ...base, [field.name]: value }));
      }
    }
    return variants;
  }
  const values = name === 'after' ? HOSTILE_CURSORS : (HOSTILE[named.name] ?? []);
  return values.map(wrap);
}

interface Case {
  field: string;
  argument: string;
  operation: Operation;
  subscription: boolean;
}

function cases(schema: GraphQLSchema, ids: string): Case[] {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((root): root is GraphQLObjectType => !!root);
  const all: Case[] = [];
  for (const root of roots) {
    const kind = root === schema.getMutationType() ? 'mutation' : root === schema.getSubscriptionType() ? 'subscription' : 'query';
    for (const field of Object.values(root.getFields()) as GraphQLField<unknown, unknown>[]) {
      for (const target of field.args) {
        const variants = [...hostileValues(target.type, target.name, ids), ...(isNonNullType(target.type) ? [null] : [])];
        for (const value of variants)
          all.push({
            field: `${root.name}.${field.name}`,
            argument: target.name,
            operation: operation(kind, field, target, value, ids),
            subscription: kind === 'subscription',
          });
      }
    }
  }
  return all;
}

function operation(kind: string, field: GraphQLField<unknown, unknown>, target: GraphQLArgument, value: unknown, ids: string): Operation {
  const sent = field.args.filter((arg) => arg === target || isNonNullType(arg.type));
  const variables = Object.fromEntries(sent.map((arg) => [arg.name, arg === target ? value : plausible(arg.type, ids)]));
  const definitions = sent.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = sent.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return { query: `${kind} Fuzz${definitions ? `(${definitions})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`, variables };
}

type Answer = { code: string; message: string }[];

const answer = (errors: { message: string; extensions?: { code?: unknown } }[] | undefined): Answer =>
  (errors ?? []).map((error) => ({ code: String(error.extensions?.code), message: error.message }));

async function overHttp(url: string, key: string, operation: Operation): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: asText(operation),
  });
  return answer((await response.json()).errors);
}

/** graphql-transport-ws spoken by hand, so that requests can be written as text; answers each operation's first message. */
async function rawSocket(url: string, key: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const waiting = new Map<string, (answer: Answer) => void>();
  let acknowledged!: () => void;
  const ready = new Promise<void>((resolve) => (acknowledged = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'connection_ack') return acknowledged();
    const done = waiting.get(message.id);
    if (!done) return;
    waiting.delete(message.id);
    if (message.type === 'next') socket.send(JSON.stringify({ id: message.id, type: 'complete' }));
    done(message.type === 'error' ? answer(message.payload) : message.type === 'next' ? answer(message.payload.errors) : []);
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await ready;
  let ids = 0;
  return {
    send: (operation: Operation): Promise<Answer> => {
      const id = String(++ids);
      return new Promise<Answer>((resolve) => {
        // a hostile value accepted by a subscription that then waits for events would never answer
        const silent = setTimeout(() => (waiting.delete(id), resolve([{ code: 'NO_ANSWER', message: 'accepted, and silent since' }])), 10_000);
        waiting.set(id, (result) => (clearTimeout(silent), resolve(result)));
        socket.send(`{"id":"${id}","type":"subscribe","payload":${asText(operation)}}`);
      });
    },
    close: () => new Promise((resolve) => (socket.once('close', resolve), socket.close())),
  };
}

/** Runs `work` over the items, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('hostile input, generated from the schema', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.stop());

  it('never answers INTERNAL_SERVER_ERROR, over HTTP or WebSocket, and suggests no names', async () => {
    const introspection = await data<IntrospectionQuery>(t.url, t.adminKey, { query: getIntrospectionQuery() });
    const schema = buildClientSchema(introspection);
    const { identify } = await data(t.url, t.adminKey, {
      query: 'mutation($identifiers: [IdentifierInput!]!) { identify(identifiers: $identifiers) { id } }',
      variables: { identifiers: [{ type: 'EMAIL', value: 'fuzz@example.com' }] },
    });
    const all = cases(schema, identify.id);
    const failures: string[] = [];
    const judge = (transport: string, item: Case, answer: Answer) => {
      for (const { code, message } of answer) {
        if (code === 'INTERNAL_SERVER_ERROR' || code === 'NO_ANSWER' || /did you mean/i.test(message)) {
          failures.push(
            `${transport} ${item.field}(${item.argument}: ${JSON.stringify(item.operation.variables?.[item.argument])?.slice(0, 300)}): ${code} ${message.slice(0, 120)}`,
          );
        }
      }
    };
    await inParallel(all, 4, async (item) => judge('HTTP', item, await overHttp(t.url, t.adminKey, item.operation)));
    const socket = await rawSocket(t.wsUrl, t.adminKey);
    await inParallel(all, 8, async (item) => judge('WS', item, await socket.send(item.operation)));
    await socket.close();

    const fields = new Set(all.map((item) => item.field));
    const args = new Set(all.map((item) => `${item.field}(${item.argument})`));
    console.log(
      `hostile input: ${fields.size} root fields, ${args.size} arguments, ${all.length} requests over HTTP and ${all.length} over WebSocket, ${failures.length} INTERNAL_SERVER_ERROR or suggestions`,
    );
    expect(failures).toEqual([]);
    expect(args.size).toBeGreaterThan(50);
  });
});
