import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from './config';
import type { Clock } from './clock';
import { createContext, eventContext, releaseForks, type Context } from './context';
import type { EventBus } from './events/bus';
import type { Viewer } from './graphql/auth';
import { formatError } from './graphql/format-error';
import { RequestErrors } from './graphql/request.errors';
import { armorRules, checkOperation } from './graphql/limits';
import { variablesTooDeep } from './graphql/input-guard';
import { deliversDirectly, sharedSubscribe } from './graphql/shared-subscribe';
import { tooDeepError } from './graphql/transport';
import { sendFrame, serveGraphqlWs } from './graphql/ws-server';
import { bearerSecret, masks, type Authenticator } from './modules/workspace/authenticator.service';
import type { Metrics } from './telemetry/metrics';
import { logger } from './telemetry/logger';
import { runInRequestScope } from './telemetry/request-scope';

type SocketState = {
  viewer?: Viewer;
  /** The graphql-ws ids of the socket's operations under way. */
  operations?: Set<string>;
  /** The socket's own random id: an operation's request id is this and the operation's id. */
  socketId?: string;
};

/**
 * A string made by concatenation is a tree of its parts until it is read; one kept for as long as a
 * subscription lives is read once here, so that it is held in one piece.
 */
const flat = (text: string): string => (text.charCodeAt(0), text);

/** The request id of a socket's operation (for logs and errors); nothing is stored per operation for it. */
const requestIdOf = (extra: SocketState, id: string) => (extra.socketId ? flat(`${extra.socketId}/${id}`) : randomUUID());

/** Close code graphql-ws uses for a refused connection; also used when a key is revoked. */
const FORBIDDEN = 4403;
const CHECKED_DOCUMENTS = 500;

/**
 * graphql-ws on the HTTP server's `/graphql`: the API key comes in `connectionParams.authorization`,
 * every operation is held to the HTTP limits, a socket holds a bounded number of subscriptions, and
 * the sockets of a revoked key are closed at once.
 */
export function attachWebSockets(deps: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  config: Config;
  orm: MikroORM;
  clock: Clock;
  bus: EventBus;
  authenticator: Authenticator;
  metrics: Metrics;
}): { close(): Promise<void> } {
  const { httpServer, schema, config, orm, clock, bus, authenticator, metrics } = deps;
  // upgrades are handed over here rather than with `server:`, through which ws would re-emit the
  // HTTP server's own errors (a port in use) as the WebSocket server's
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  httpServer.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/graphql') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const viewerOf = new WeakMap<WebSocket, Viewer>();
  // as over HTTP, production answers no introspection
  const rules = [...armorRules(config.limits), ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  // a floor of agents sends the same few subscriptions: parse and validate each text once
  // (and keep one copy of each text: every subscription's payload would otherwise hold its own)
  const checked = new Map<string, { document: DocumentNode; text: string }>();
  const check = (query: string): { document: DocumentNode; text: string } | readonly GraphQLError[] => {
    const known = checked.get(query);
    if (known) return known;
    const result = checkOperation(schema, query, config.limits, rules);
    if (Array.isArray(result)) return result;
    if (checked.size >= CHECKED_DOCUMENTS) checked.clear();
    const entry = { document: result as DocumentNode, text: query };
    checked.set(query, entry);
    return entry;
  };

  const cleanup = serveGraphqlWs<Record<string, unknown>, SocketState>(
    {
      schema,
      execute: (args: ExecutionArgs) => {
        const { viewer, requestId } = args.contextValue as Context;
        return runInRequestScope(requestId, () => execute(args), viewer.workspaceId);
      },
      // a subscription holds no EntityManager and no request scope between events: each event is
      // executed (once per audience and operation) in a scope and with a context made for it
      subscribe: (args: ExecutionArgs) => {
        const context = args.contextValue as Context;
        const { viewer, requestId } = context;
        const executeEvent = (event: unknown) =>
          runInRequestScope(requestId, () => execute({ ...args, contextValue: eventContext(context), rootValue: event }), viewer.workspaceId);
        return runInRequestScope(
          requestId,
          () => sharedSubscribe(args, `${viewer.workspaceId}:${viewer.role}:${viewer.masked}`, executeEvent).finally(() => releaseForks(context)),
          viewer.workspaceId,
        );
      },
      context: (ctx, id) => createContext(orm, bus, clock, ctx.extra.viewer!, requestIdOf(ctx.extra, id)),
      onConnect: async (ctx) => {
        const secret = bearerSecret(ctx.connectionParams?.authorization);
        const viewer = secret ? await authenticator.authenticate(secret).catch(() => null) : null;
        if (!viewer) return false;
        ctx.extra.viewer = viewer;
        ctx.extra.operations = new Set();
        ctx.extra.socketId = randomBytes(12).toString('base64url');
        const sockets = socketsByKey.get(viewer.keyId) ?? new Set();
        sockets.add(ctx.extra.socket);
        socketsByKey.set(viewer.keyId, sockets);
        viewerOf.set(ctx.extra.socket, viewer);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer!;
        const still = await authenticator.authenticate(bearerSecret(ctx.connectionParams?.authorization) ?? '').catch(() => null);
        if (!still) {
          ctx.extra.socket.close(FORBIDDEN, 'Forbidden');
          return [RequestErrors.keyUnknown().toGraphQLError()];
        }
        if (ctx.extra.operations!.size >= config.limits.subscriptionsPerSocket) {
          return [RequestErrors.tooManySubscriptions(config.limits.subscriptionsPerSocket).toGraphQLError()];
        }
        const checkedQuery = check(payload.query);
        if (Array.isArray(checkedQuery)) return checkedQuery;
        const { document, text } = checkedQuery as { document: DocumentNode; text: string };
        const problems = operationProblems(schema, document, payload.operationName, payload.variables);
        if (problems) return problems;
        (payload as { query: string }).query = text;
        ctx.extra.operations!.add(id);
        metrics.subscriptions.inc();
        logger.debug({ keyId: viewer.keyId, operation: payload.operationName }, 'subscribe');
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName };
      },
      // a bus subscription sends its results itself, past graphql-ws: a result without errors is the
      // same for everyone who shares it, serialized once for all of them
      onOperation: (ctx, id, _payload, _args, result) => {
        if (!deliversDirectly(result)) return;
        const { socket } = ctx.extra;
        const head = flat(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
        result.deliverTo({
          next: (value, json) =>
            sendFrame(
              socket,
              `${head}${value.errors ? JSON.stringify({ ...value, errors: formatErrors(requestIdOf(ctx.extra, id), value.errors) }) : json()}}`,
            ),
        });
      },
      onNext: (ctx, id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatErrors(requestIdOf(ctx.extra, id), result.errors) } : undefined,
      onError: (ctx, id, _payload, errors) => formatErrors(requestIdOf(ctx.extra, id), errors),
      onComplete: (ctx, id) => {
        if (ctx.extra.operations?.delete(id)) metrics.subscriptions.dec();
      },
      onClose: (ctx) => {
        const { viewer, operations } = ctx.extra;
        metrics.subscriptions.dec(operations?.size ?? 0);
        if (viewer) socketsByKey.get(viewer.keyId)?.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  wss.on('connection', (socket) => {
    metrics.webSockets.inc();
    socket.once('close', () => metrics.webSockets.dec());
  });

  const revocations = bus.subscribe('API_KEY_REVOKED')[Symbol.asyncIterator]();
  void (async () => {
    for (let next = await revocations.next(); !next.done; next = await revocations.next()) {
      const { keyId } = next.value;
      authenticator.forget(keyId);
      for (const socket of socketsByKey.get(keyId) ?? []) socket.close(FORBIDDEN, 'Forbidden: API key revoked');
      socketsByKey.delete(keyId);
    }
  })();

  // keys authenticated under a workspace's old masking: sockets whose masking flips reconnect (1012: retry)
  const maskings = bus.subscribe('WORKSPACE_MASKING_CHANGED')[Symbol.asyncIterator]();
  void (async () => {
    for (let next = await maskings.next(); !next.done; next = await maskings.next()) {
      const { ws, maskedRoles } = next.value;
      authenticator.forgetWorkspace(ws);
      for (const sockets of socketsByKey.values()) {
        for (const socket of sockets) {
          const viewer = viewerOf.get(socket);
          if (viewer?.workspaceId === ws && viewer.masked !== masks(maskedRoles, viewer.role)) socket.close(1012, 'Masking changed: reconnect');
        }
      }
    }
  })();

  return {
    close: async () => {
      await revocations.return?.();
      await maskings.return?.();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Errors through the one boundary, within the operation's request scope so that logs and answers carry its id. */
function formatErrors(requestId: string, errors: readonly GraphQLError[]) {
  return runInRequestScope(requestId, () => errors.map((error) => formatError(error.toJSON(), error)));
}

/**
 * What graphql-js would otherwise report without a code: an operation that cannot be picked
 * (OPERATION_RESOLUTION_FAILURE, as over HTTP) and variables that do not fit (BAD_USER_INPUT).
 */
function operationProblems(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] | undefined {
  if (variablesTooDeep(variables)) return [tooDeepError()];
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
    return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 50 });
  if (!coerced.errors) return undefined;
  return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } }));
}
