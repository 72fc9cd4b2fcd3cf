import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Viewer } from './graphql/auth';
import { createLoaders, type Loaders } from './graphql/loaders';
import type { EventBus } from './events/bus';
import type { Clock } from './clock';
import { bindWorkspace } from './telemetry/request-scope';

/** Everything a resolver may use for one request (or one event of a subscription, see {@link eventContext}). */
export interface Context {
  requestId: string;
  viewer: Viewer;
  /** A fork for this request only, with the workspace filter bound to the viewer's workspace. */
  em: EntityManager;
  loaders: Loaders;
  bus: EventBus;
  clock: Clock;
}

export function createContext(orm: MikroORM, bus: EventBus, clock: Clock, viewer: Viewer, requestId: string): Context {
  // row-level security: the rest of an HTTP request's statements see this workspace only (a WebSocket operation's scope is made per execution)
  bindWorkspace(viewer.workspaceId);
  return new RequestContext(orm, requestId, viewer, bus, clock);
}

/** Forks its EntityManager on first use: a request that reads only through the loaders' `read` needs none. */
class RequestContext implements Context {
  private forked?: EntityManager;
  private made?: Loaders;

  constructor(
    private readonly orm: MikroORM,
    readonly requestId: string,
    readonly viewer: Viewer,
    readonly bus: EventBus,
    readonly clock: Clock,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= forkForWorkspace(this.orm, this.viewer.workspaceId));
  }

  set em(em: EntityManager) {
    this.forked = em;
  }

  get loaders(): Loaders {
    return (this.made ??= createLoaders(() => this.em, readerOf(this.orm)));
  }

  set loaders(loaders: Loaders) {
    this.made = loaders;
  }

  forEvent(): Context {
    return new RequestContext(this.orm, this.requestId, this.viewer, this.bus, this.clock);
  }

  release(): void {
    this.forked = undefined;
    this.made = undefined;
  }
}

const readers = new WeakMap<MikroORM, EntityManager>();

/** One EntityManager per ORM for the loaders' plain reads, which use its connections and nothing it holds. */
function readerOf(orm: MikroORM): EntityManager {
  let reader = readers.get(orm);
  if (!reader) readers.set(orm, (reader = orm.em.fork({ useContext: false })));
  return reader;
}

/** A fresh EntityManager that sees only one workspace's rows. */
export function forkForWorkspace(orm: MikroORM, workspaceId: string): EntityManager {
  const em = orm.em.fork({ clear: true, useContext: false });
  em.setFilterParams('workspace', { id: workspaceId });
  return em;
}

/**
 * The context one event of a subscription is resolved with: the subscription's request id, viewer,
 * bus and clock, and an EntityManager and DataLoaders of its own (forked on first use), so nothing
 * cached from an earlier event is answered and nothing is held between events.
 */
export function eventContext(ctx: Context): Context {
  if (ctx instanceof RequestContext) return ctx.forEvent();
  const em = ctx.em.fork({ clear: true });
  return { ...ctx, em, loaders: createLoaders(() => em) };
}

/**
 * Drops what a subscription's context forked while subscribing (arguments checked against the
 * database, say): a subscription lives long, and its events get contexts of their own.
 */
export function releaseForks(ctx: Context): void {
  if (ctx instanceof RequestContext) ctx.release();
}
