import { Arg, Authorized, Ctx, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import type { Topic } from '../../events/topics';
import { may } from '../../graphql/auth';
import { statsOf } from '../queue/queue.loaders';
import { dashboardHub, dashboardSnapshot } from './dashboard.service';
import { DashboardSnapshot } from './metrics.types';
import { MetricsErrors } from './metrics.errors';

/** What changes the floor: queues, conversations, SLA alerts, overdue feedback. */
const FLOOR_TOPICS: Topic[] = ['QUEUE_UPDATED', 'CONVERSATION_UPDATED', 'SLA_ALERT', 'FEEDBACK_OVERDUE'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A first snapshot at once, then one after relevant events of the workspace, never more often
 * than every `everySeconds`: the events in between are folded into the next push.
 */
function pushes({ context, args }: SubscribeResolverData<unknown, { everySeconds?: number | null }, Context>): AsyncGenerator<true> {
  const every = (args.everySeconds ?? 5) * 1000;
  if (every < 1000 || every > 3_600_000) throw MetricsErrors.dashboardInterval();
  return floorChanges(context, every);
}

async function* floorChanges(context: Context, every: number): AsyncGenerator<true> {
  const ws = context.viewer.workspaceId;
  let dirty = false;
  const signal: { wake: (() => void) | null } = { wake: null };
  const iterators = FLOOR_TOPICS.map((topic) => context.bus.subscribe(topic)[Symbol.asyncIterator]());
  for (const iterator of iterators) {
    void (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if ((next.value as { ws: string }).ws !== ws) continue;
        dashboardHub.noteEvent(ws, next.value as object);
        dirty = true;
        signal.wake?.();
      }
    })();
  }
  try {
    yield true;
    let last = Date.now();
    for (;;) {
      if (!dirty) await new Promise<void>((resolve) => (signal.wake = resolve));
      signal.wake = null;
      const wait = last + every - Date.now();
      if (wait > 0) await sleep(wait);
      dirty = false;
      last = Date.now();
      yield true;
    }
  } finally {
    for (const iterator of iterators) await iterator.return?.();
  }
}

@Resolver()
export class DashboardResolver {
  @Authorized(...may.readMetrics)
  @Query(() => DashboardSnapshot, { description: "The support floor now: queues with stats, today's figures, open and overdue feedback." })
  dashboard(@Ctx() ctx: Context): Promise<DashboardSnapshot> {
    return dashboardSnapshot(ctx.em, ctx.viewer.workspaceId, ctx.clock.now());
  }

  @Authorized(...may.readMetrics)
  @Subscription(() => DashboardSnapshot, {
    name: 'dashboard',
    description:
      'The dashboard, pushed at once and then after changes on the floor, at most every everySeconds (default 5); one computation serves every subscriber of the workspace.',
    subscribe: pushes,
  })
  async dashboard_(
    @Root() _push: true,
    @Ctx() ctx: Context,
    @Arg('everySeconds', () => Int, { nullable: true }) _everySeconds?: number,
  ): Promise<DashboardSnapshot> {
    const snapshot = await dashboardHub.snapshot(ctx.em, ctx.viewer.workspaceId, ctx.clock.now());
    for (const [queueId, stats] of snapshot.stats) statsOf(ctx).prime(queueId, stats);
    return snapshot;
  }
}
