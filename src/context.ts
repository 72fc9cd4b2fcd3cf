import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Viewer } from './graphql/auth';
import { createLoaders, type Loaders } from './graphql/loaders';
import type { EventBus } from './events/bus';
import type { Clock } from './clock';
import { bindWorkspace } from './telemetry/request-scope';

/** Everything a resolver may use for one request (or one subscription operation). */
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
 * A subscription's context lives as long as the subscription: before resolving each event, give it
 * a fresh EntityManager and DataLoaders so nothing cached from an earlier event is answered.
 */
export function freshForEvent(ctx: Context): Context {
  const em = ctx.em.fork({ clear: true });
  ctx.em = em;
  ctx.loaders = createLoaders(() => em);
  return ctx;
}
