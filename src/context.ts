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
  const em = forkForWorkspace(orm, viewer.workspaceId);
  return { requestId, viewer, em, loaders: createLoaders(em), bus, clock };
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
  ctx.em = ctx.em.fork({ clear: true });
  ctx.loaders = createLoaders(ctx.em);
  return ctx;
}
