import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import type { WebSocket, WebSocketServer } from 'ws';
import { logger } from '../telemetry/logger';

/** What graphql-ws's context carries of the socket (the upgrade request is not kept: nothing reads it, and it is a good part of an idle socket's memory). */
export interface SocketExtra {
  readonly socket: WebSocket;
}

const SERIALIZED = Symbol('serialized result');
/** A result's JSON, as `onNext` hands it over for sending as it is. */
type Serialized = { readonly [SERIALIZED]: string };
const serialized = new WeakMap<object, Serialized>();

/**
 * The JSON of a result, made once per result object, for `onNext` to return: subscribers who share
 * a result (one execution for all who run the same operation with the same access, see
 * `sharedSubscribe`) share its serialization too, and each frame is that string behind the
 * operation's own id. What it returns stands in for the result in a server made by
 * {@link serveGraphqlWs} only.
 */
export function serializedOnce(result: ExecutionResult): FormattedExecutionResult {
  let known = serialized.get(result);
  if (!known) serialized.set(result, (known = { [SERIALIZED]: JSON.stringify(result) }));
  return known as FormattedExecutionResult;
}

/**
 * graphql-ws stringifies each message and hands the text to `send` in the same turn: a serialized
 * payload stands in as `0` and is spliced back in by {@link frameOf}.
 */
let pending: string | undefined;
function replacer(key: string, value: unknown): unknown {
  if (key === 'payload' && typeof value === 'object' && value !== null && SERIALIZED in value) {
    pending = (value as Serialized)[SERIALIZED];
    return 0;
  }
  return value;
}
const STAND_IN = '"payload":0}';
function frameOf(data: string): string {
  if (pending === undefined) return data;
  const payload = pending;
  pending = undefined;
  return data.endsWith(STAND_IN) ? `${data.slice(0, -2)}${payload}}` : data;
}

/** Bytes a socket may have waiting in its buffers before each send waits for the previous to be written (the subscriber's own queue holds the rest). */
const HIGH_WATER = 64 * 1024;

function send(socket: WebSocket, data: string): Promise<void> | void {
  const frame = frameOf(data);
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount < HIGH_WATER) return socket.send(frame);
  return new Promise((resolve, reject) => socket.send(frame, (error) => (error ? reject(error) : resolve())));
}

function internalError(socket: WebSocket, error: unknown): void {
  logger.error({ err: error }, 'graphql-ws: internal error on a socket');
  socket.close(CloseCode.InternalServerError, 'Internal server error');
}

/**
 * graphql-ws on a `ws` server, as graphql-ws/use/ws serves it, for less per socket: one keep-alive
 * timer for every socket (a ping each `keepAliveMs`; a socket that has not answered the previous one
 * is terminated) instead of timers per socket, no upgrade request kept, sends that do not wait for
 * the write unless the socket's buffers are filling up, and results shared by several subscribers
 * serialized once (`onNext` returns {@link serializedOnce}).
 */
export function serveGraphqlWs<P extends Record<string, unknown>, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, SocketExtra & Partial<E>>,
  wss: WebSocketServer,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer<P, SocketExtra & Partial<E>>({ ...options, jsonMessageReplacer: replacer });
  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (error) => {
    logger.error({ err: error }, 'graphql-ws: internal error on the WebSocket server');
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });

  const unanswered = new WeakSet<WebSocket>();
  function answered(this: WebSocket) {
    unanswered.delete(this);
  }
  function failed(this: WebSocket, error: Error) {
    internalError(this, error);
  }
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (unanswered.has(socket)) {
        socket.terminate();
        continue;
      }
      unanswered.add(socket);
      socket.ping();
    }
  }, keepAliveMs);
  keepAlive.unref();

  wss.on('connection', (socket: WebSocket) => {
    socket.once('error', failed);
    socket.on('pong', answered);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => send(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((error: unknown) => internalError(socket, error));
          }),
      },
      { socket } as SocketExtra & Partial<E>,
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });

  return {
    dispose: async () => {
      clearInterval(keepAlive);
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
