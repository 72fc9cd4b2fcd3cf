import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { execute, GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from './config';
import type { Clock } from './clock';
import { createContext, type Context } from './context';
import type { EventBus } from './events/bus';
import type { Viewer } from './graphql/auth';
import { formatError } from './graphql/format-error';
import { armorRules, checkOperation } from './graphql/limits';
import { sharedSubscribe } from './graphql/shared-subscribe';
import { bearerSecret, type Authenticator } from './modules/workspace/authenticator';
import type { Metrics } from './telemetry/metrics';
import { logger } from './telemetry/logger';
import { runInRequestScope } from './telemetry/request-scope';

type SocketState = {
  viewer?: Viewer;
  operations?: Set<string>;
};

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
  const rules = armorRules(config.limits);
  // a floor of agents sends the same few subscriptions: parse and validate each text once
  const checked = new Map<string, DocumentNode>();
  const check = (query: string): DocumentNode | readonly GraphQLError[] => {
    const known = checked.get(query);
    if (known) return known;
    const result = checkOperation(schema, query, config.limits, rules);
    if (Array.isArray(result)) return result;
    if (checked.size >= CHECKED_DOCUMENTS) checked.clear();
    checked.set(query, result as DocumentNode);
    return result;
  };

  const cleanup = useServer<Record<string, unknown>, SocketState>(
    {
      schema,
      execute: (args: ExecutionArgs) => runInRequestScope(randomUUID(), () => execute(args)),
      subscribe: (args: ExecutionArgs) => {
        const { viewer } = args.contextValue as Context;
        return runInRequestScope(randomUUID(), () => sharedSubscribe(args, `${viewer.workspaceId}:${viewer.role}`));
      },
      context: (ctx) => createContext(orm, bus, clock, ctx.extra.viewer!, randomUUID()),
      onConnect: async (ctx) => {
        const secret = bearerSecret(ctx.connectionParams?.authorization);
        const viewer = secret ? await authenticator.authenticate(secret).catch(() => null) : null;
        if (!viewer) return false;
        ctx.extra.viewer = viewer;
        ctx.extra.operations = new Set();
        const sockets = socketsByKey.get(viewer.keyId) ?? new Set();
        sockets.add(ctx.extra.socket);
        socketsByKey.set(viewer.keyId, sockets);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const viewer = ctx.extra.viewer!;
        const still = await authenticator.authenticate(bearerSecret(ctx.connectionParams?.authorization) ?? '').catch(() => null);
        if (!still) {
          ctx.extra.socket.close(FORBIDDEN, 'Forbidden');
          return [new GraphQLError('The API key is unknown or revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (ctx.extra.operations!.size >= config.limits.subscriptionsPerSocket) {
          return [
            new GraphQLError(`A connection may hold at most ${config.limits.subscriptionsPerSocket} subscriptions`, {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ];
        }
        const document = check(payload.query);
        if (Array.isArray(document)) return document;
        ctx.extra.operations!.add(id);
        metrics.subscriptions.inc();
        logger.debug({ keyId: viewer.keyId, operation: payload.operationName }, 'subscribe');
        return { schema, document: document as DocumentNode, variableValues: payload.variables, operationName: payload.operationName };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
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

  return {
    close: async () => {
      await revocations.return?.();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
