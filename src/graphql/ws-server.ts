import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { logger } from '../telemetry/logger';

/** What graphql-ws's context carries of the socket (the upgrade request is not kept: nothing reads it, and it is a good part of an idle socket's memory). */
export interface SocketExtra {
  readonly socket: WebSocket;
}

/** Bytes a socket may have waiting in its buffers before each send waits for the previous to be written (the subscriber's own queue holds the rest). */
const HIGH_WATER = 64 * 1024;

function send(socket: WebSocket, data: string): Promise<void> | void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount < HIGH_WATER) return socket.send(data);
  return new Promise((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
}

/** Bytes a socket may have waiting before frames sent past graphql-ws ({@link sendFrame}) are dropped for it. */
const SLOW = 1024 * 1024;
const warned = new WeakSet<WebSocket>();

/**
 * Sends a frame graphql-ws did not make (a subscription's `next`, see `DirectStream`), at once. A
 * subscriber that does not read, with a megabyte waiting already, misses frames until it catches
 * up (logged once per socket), as the bus drops the oldest messages of a subscriber that lags.
 */
export function sendFrame(socket: WebSocket, frame: string): void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > SLOW) {
    if (!warned.has(socket)) logger.warn('a WebSocket subscriber is too slow; frames for it are being dropped');
    warned.add(socket);
    return;
  }
  socket.send(frame);
}

function internalError(socket: WebSocket, error: unknown): void {
  logger.error({ err: error }, 'graphql-ws: internal error on a socket');
  socket.close(CloseCode.InternalServerError, 'Internal server error');
}

/**
 * graphql-ws on a `ws` server, as graphql-ws/use/ws serves it, for less per socket: one keep-alive
 * timer for every socket (a ping each `keepAliveMs`; a socket that has not answered the previous one
 * is terminated) instead of timers per socket, no upgrade request kept, sends that do not wait for
 * the write unless the socket's buffers are filling up.
 */
export function serveGraphqlWs<P extends Record<string, unknown>, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, SocketExtra & Partial<E>>,
  wss: WebSocketServer,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer<P, SocketExtra & Partial<E>>(options);
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
