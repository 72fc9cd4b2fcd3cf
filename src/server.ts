import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import cors from 'cors';
import express from 'express';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { createContext, type Context } from './context';
import { isDatabaseUnavailable } from './errors';
import { DatabaseErrors } from './db/database.errors';
import { RequestErrors } from './graphql/request.errors';
import { EventBus } from './events/bus';
import type { Viewer } from './graphql/auth';
import { formatError } from './graphql/format-error';
import { guardInputs } from './graphql/input-guard';
import { apolloArmor } from './graphql/limits';
import { buildGraphQLSchema } from './graphql/schema';
import { httpOperationChecks } from './graphql/transport';
import { graphqlEndpoint } from './graphql/http-endpoint';
import { Authenticator, bearerSecret } from './modules/workspace/authenticator.service';
import { logger } from './telemetry/logger';
import { Metrics } from './telemetry/metrics';
import { IntakeDrainer } from './modules/intake/intake.service';
import { segmentApi } from './modules/intake/segment-api.route';
import { registerIntakeMetrics } from './modules/intake/intake-metrics.service';
import { currentRequest, runInRequestScope } from './telemetry/request-scope';
import { attachWebSockets } from './websocket';
import { startJobs, type Jobs } from './jobs/runner';
import { dashboardPage } from './dashboard-page';
import { segmentExport } from './modules/segment/segment-export.route';
import { reportExports } from './modules/metrics/report.route';

/** A running API server. */
export interface Server {
  url: string;
  port: number;
  orm: MikroORM;
  bus: EventBus;
  /** The job runner; with `config.jobs` off, tasks run only when asked (`runNow`). */
  jobs: Jobs;
  /** This process's intake drainers (none when `config.intakeDrainers` is 0). */
  intake?: IntakeDrainer;
  /** Stops taking requests, lets in-flight ones finish, closes WebSockets (1001), closes the bus. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  config: Config;
  orm: MikroORM;
  databaseUrl: string;
  /** How long shutdown waits for in-flight requests. */
  drainMs?: number;
  /** The time as the server sees it (tests set their own). */
  clock?: Clock;
}

/** One HTTP server: Apollo on POST/GET /graphql, graphql-ws on the same path, health and metrics. */
export async function startServer({ config, orm, databaseUrl, drainMs = 10_000, clock = systemClock }: ServerOptions): Promise<Server> {
  const bus = new EventBus(databaseUrl, logger);
  await bus.start();
  const authenticator = new Authenticator(orm);
  const metrics = new Metrics();
  registerIntakeMetrics(metrics.registry, orm, clock);
  const schema = guardInputs(buildGraphQLSchema(bus.fanout as never));
  const app = express();
  let fastPath: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false;
  const httpServer = http.createServer((req, res) => fastPath(req, res) || app(req, res));
  const sockets = attachWebSockets({ httpServer, schema, config, orm, bus, clock, authenticator, metrics });

  const armor = apolloArmor(config.limits);
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    validationRules: armor.validationRules,
    parseOptions: armor.parseOptions,
    formatError,
    stopOnTerminationSignals: false,
    plugins: [
      ...armor.plugins,
      httpOperationChecks(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: drainMs }),
      { serverWillStart: async () => ({ drainServer: () => sockets.close() }) },
      metrics.plugin(),
      ...(config.exposeStatementCount ? [statementCountPlugin()] : []),
      ...(config.introspection ? [] : [ApolloServerPluginLandingPageDisabled()]),
      // no cache hints or federation traces here: without them Apollo wraps no field resolver
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await databaseReachable(orm);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', database: ready ? 'up' : 'down' });
  });
  app.use(dashboardPage());
  const inRequestScope = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
    const header = req.headers['x-request-id'];
    const requestId = validRequestId(typeof header === 'string' ? header : undefined) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    runInRequestScope(requestId, next);
  };
  app.use(segmentExport(orm, (header) => authenticate(authenticator, header)));
  app.use(reportExports(orm, (header) => authenticate(authenticator, header)));
  app.use('/v1', inRequestScope);
  app.use(segmentApi({ orm, bus, clock, authenticate: (secret) => authenticate(authenticator, secret ? `Bearer ${secret}` : undefined) }));
  app.get('/metrics', async (req, res) => {
    if (config.metricsToken && !sameSecret(bearerSecret(req.headers.authorization), config.metricsToken)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'the metrics need Authorization: Bearer <CDP_METRICS_TOKEN>' });
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const allowOrigins = cors({ origin: config.corsOrigins, maxAge: 600 });
  const requestContext = async (req: http.IncomingMessage) => {
    const viewer = await authenticate(authenticator, req.headers.authorization);
    return createContext(orm, bus, clock, viewer, currentRequest()?.requestId ?? randomUUID());
  };
  fastPath = graphqlEndpoint(apollo, {
    bodyBytes: config.limits.bodyBytes,
    before: (req, res, next) => allowOrigins(req, res, () => inRequestScope(req, res, next)),
    context: requestContext,
    refuse: (res, error) => answerBodyError(error, res),
  });
  app.use(
    '/graphql',
    allowOrigins,
    express.json({ limit: config.limits.bodyBytes }),
    inRequestScope,
    expressMiddleware(apollo, { context: ({ req }) => requestContext(req) }),
  );
  app.use(bodyErrorHandler);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  logger.info({ port }, `serving http://localhost:${port}/graphql`);
  const jobs = await startJobs(databaseUrl, { orm, bus, clock }, { run: config.jobs });
  const intake = config.intakeDrainers > 0 ? new IntakeDrainer(orm, bus, clock, logger, config.intakeDrainers) : undefined;
  intake?.start();

  return {
    url: `http://localhost:${port}/graphql`,
    port,
    orm,
    bus,
    jobs,
    intake,
    stop: async () => {
      await intake?.stop();
      await jobs.stop();
      await apollo.stop();
      await bus.close();
    },
  };
}

/** Finds the viewer of a bearer key or throws the coded error the client should see. */
export async function authenticate(authenticator: Authenticator, header: unknown): Promise<Viewer> {
  const secret = bearerSecret(header);
  if (!secret) throw RequestErrors.keyRequired().toGraphQLError(401);
  let viewer: Viewer | null;
  try {
    viewer = await authenticator.authenticate(secret);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw DatabaseErrors.unavailable().toGraphQLError(503);
    throw error;
  }
  if (!viewer) throw RequestErrors.keyUnknown().toGraphQLError(401);
  return viewer;
}

async function databaseReachable(orm: MikroORM): Promise<boolean> {
  const probe = orm.em
    .getConnection()
    .execute('select 1')
    .then(
      () => true,
      () => false,
    );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  return Promise.race([probe, timeout]);
}

/** Compares in constant time, so the token cannot be guessed a character at a time. */
function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const validRequestId = (value: string | undefined): string | undefined => (value && /^[\w.-]{1,64}$/.test(value) ? value : undefined);

/** Malformed or oversized bodies never reach GraphQL: answer 400/413 in the GraphQL error shape. */
const bodyErrorHandler: express.ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  answerBodyError(error, res);
};

function answerBodyError(error: { status?: unknown; type?: unknown; message?: unknown } | undefined, res: http.ServerResponse): void {
  const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    error?.type === 'entity.too.large'
      ? `The request body is larger than the limit`
      : error?.type === 'entity.parse.failed'
        ? `The request body is not valid JSON: ${error.message}`
        : status === 500
          ? 'Internal server error'
          : String(error?.message ?? 'Bad request');
  if (status === 500) logger.error({ err: error }, 'unexpected HTTP error');
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** Adds `extensions.sqlStatements` and `extensions.sqlRoundTrips` (what this request sent to the database) to every response. */
function statementCountPlugin() {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ response }: { response: { body: { kind: string; singleResult?: { extensions?: Record<string, unknown> } } } }) => {
        const scope = currentRequest();
        if (response.body.kind === 'single' && response.body.singleResult && scope) {
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            sqlStatements: scope.statements,
            sqlRoundTrips: scope.roundTrips,
          };
        }
      },
    }),
  };
}
