import type { MikroORM } from '@mikro-orm/postgresql';
import cors from 'cors';
import express, { type Request, type Response, type Router } from 'express';
import type { Clock } from '../../clock';
import { forkForWorkspace } from '../../context';
import { AppError } from '../../errors';
import type { EventBus } from '../../events/bus';
import { may, type Viewer } from '../../graphql/auth';
import type { Role } from '../../graphql/enums';
import { errorBody } from '../../graphql/format-error';
import { logger } from '../../telemetry/logger';
import { runInWorkspace } from '../../telemetry/request-scope';
import { IntakeErrors } from './intake.errors';
import { acceptCalls, type IntakeCall } from './intake.service';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES, SEGMENT_TYPES, type SegmentMessage, type SegmentType } from './segment-api.rules';

export interface SegmentApiDeps {
  orm: MikroORM;
  bus: EventBus;
  clock: Clock;
  /** Finds the viewer of an API key's secret, or throws the coded error to answer. */
  authenticate: (secret: string | undefined) => Promise<Viewer>;
}

/** The paths of single calls, with the short forms analytics.js posts to. */
const SINGLE: Record<string, SegmentType> = {
  identify: 'identify',
  i: 'identify',
  track: 'track',
  t: 'track',
  page: 'page',
  p: 'page',
  screen: 'screen',
  s: 'screen',
  group: 'group',
  g: 'group',
  alias: 'alias',
  a: 'alias',
};

/**
 * Segment's HTTP Tracking API under /v1/: the write key as HTTP Basic user name (empty password),
 * as a Bearer token, or as `writeKey` in the body; JSON, gzip or not, from any origin (browsers
 * send it from the sites they track). Answers `200 {"success": true}` once the calls are stored in
 * the intake, 400 for what Segment refuses (bad JSON, 32 KB per call, 500 KB per batch).
 */
export function segmentApi(deps: SegmentApiDeps): Router {
  const router = express.Router();
  router.use('/v1', cors({ origin: true, maxAge: 600 }));
  // PostgreSQL's jsonb holds no NUL character: it is dropped from strings rather than failing the request
  const json = express.json({
    limit: MAX_BATCH_BYTES,
    type: () => true,
    strict: false,
    reviver: (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '') : value),
  });
  const handle = (single: boolean) => (req: Request, res: Response) =>
    json(req, res, (error?: unknown) => {
      if (error) return answer(res, bodyError(error));
      const path = String(req.params.type);
      const type = single ? SINGLE[path] : undefined;
      if (single && !type) return res.status(404).json({ success: false, code: 'NOT_FOUND', message: `There is no /v1/${path}` });
      void accept(deps, req, type).then(
        () => res.status(200).json({ success: true }),
        (failure: unknown) => answer(res, failure),
      );
    });
  router.post(['/v1/batch', '/v1/b', '/v1/import'], handle(false));
  router.post('/v1/:type', handle(true));
  return router;
}

async function accept(deps: SegmentApiDeps, req: Request, type: SegmentType | undefined): Promise<void> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw IntakeErrors.notAnObject();
  const fields = body as Record<string, unknown>;
  const viewer = await deps.authenticate(writeKey(req.headers.authorization) ?? (typeof fields.writeKey === 'string' ? fields.writeKey : undefined));
  if (!(may.ingest as readonly Role[]).includes(viewer.role)) throw IntakeErrors.writeOnly();
  const calls = type ? [singleCall(fields, type)] : batchCalls(fields);
  await runInWorkspace(viewer.workspaceId, () =>
    acceptCalls(forkForWorkspace(deps.orm, viewer.workspaceId), deps.bus, viewer, calls, fields.sentAt, deps.clock.now()),
  );
}

function singleCall(body: Record<string, unknown>, type: SegmentType): IntakeCall {
  if (sizeOf(body) > MAX_EVENT_BYTES) throw IntakeErrors.eventTooLarge(null, MAX_EVENT_BYTES);
  return { type, message: body as SegmentMessage };
}

function batchCalls(body: Record<string, unknown>): IntakeCall[] {
  if (!Array.isArray(body.batch)) throw IntakeErrors.batchNotAList();
  return body.batch.map((message: unknown, index) => {
    const call = (typeof message === 'object' && message !== null ? message : {}) as SegmentMessage;
    if (!(SEGMENT_TYPES as readonly unknown[]).includes(call.type)) throw IntakeErrors.unknownType(index, call.type);
    if (sizeOf(call) > MAX_EVENT_BYTES) throw IntakeErrors.eventTooLarge(index, MAX_EVENT_BYTES);
    return { type: call.type as SegmentType, message: call };
  });
}

const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** The secret of `Basic base64(writeKey:)` or `Bearer key`. */
function writeKey(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
}

function bodyError(error: unknown): AppError {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') return IntakeErrors.requestTooLarge(MAX_BATCH_BYTES);
  return IntakeErrors.notJson(type === 'entity.parse.failed' ? String((error as Error).message) : 'it could not be read');
}

const STATUS: Record<string, number> = { BAD_REQUEST: 400, BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 };

/** Segment's answer shape, with our code and reason: `{ success: false, message, code, reason }`. */
function answer(res: Response, failure: unknown): void {
  const [formatted] = errorBody(failure instanceof Error ? failure : new Error(String(failure))).errors;
  const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const status = STATUS[code] ?? 500;
  if (status === 500) logger.error({ err: failure }, 'intake request failed');
  if (code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Basic realm="cdp-api"');
  res.status(status).json({ success: false, message: formatted.message, code, reason: formatted.extensions?.reason });
}
