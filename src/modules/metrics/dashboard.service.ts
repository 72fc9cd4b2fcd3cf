import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../../db/sql';
import { MetricGroup } from '../../graphql/enums';
import { OVERDUE_SQL } from '../feedback/feedback.rules';
import { Queue } from '../queue/queue.entity';
import { queueStats } from '../queue/queue.sql';
import { getWorkspace } from '../workspace/workspace.service';
import { localMinuteOfDay } from '../preference/local-time.rules';
import { serviceMetrics } from './metrics.service';
import type { DashboardSnapshot, ServiceMetrics } from './metrics.types';

/** Midnight today in a zone, as an instant. */
function startOfDay(now: Date, timezone: string): Date {
  const minutes = localMinuteOfDay(now, timezone);
  const seconds = now.getUTCSeconds() + now.getUTCMilliseconds() / 1000;
  return new Date(now.getTime() - minutes * 60_000 - seconds * 1000);
}

export async function dashboardSnapshot(em: EntityManager, workspaceId: string, now: Date): Promise<DashboardSnapshot> {
  const { settings } = await getWorkspace(em, workspaceId);
  const queues = await em.find(Queue, {}, { orderBy: { name: 'asc', id: 'asc' } });
  const stats = await queueStats(
    em,
    workspaceId,
    queues.map((queue) => queue.id),
    now,
    settings.timezone,
  );
  const from = startOfDay(now, settings.timezone);
  const [today] = await serviceMetrics(
    em,
    workspaceId,
    settings.timezone,
    { from, to: new Date(Math.max(now.getTime(), from.getTime() + 1)) },
    MetricGroup.NONE,
  );
  const [feedback] = await sql<{ open: number; overdue: number }>(
    em,
    `select count(*) filter (where f.status <> 'CLOSED')::int as open, count(*) filter (where f.status <> 'CLOSED' and ${OVERDUE_SQL})::int as overdue from feedback_item f where f.workspace_id = ?`,
    [now, now, workspaceId],
  );
  const empty: ServiceMetrics = {
    key: 'ALL',
    conversations: 0,
    avgFirstResponseSeconds: null,
    avgHandleSeconds: null,
    firstContactResolutionRate: null,
    resolutionRate: null,
    transferRate: null,
    repeatContactRate: null,
    slaAttainment: null,
    csatAverage: null,
    nps: null,
    surveyResponses: 0,
    botResolutionRate: null,
    csatSatisfiedRate: null,
    cesAverage: null,
    empatheticReplyRate: null,
    negativeSentimentRate: null,
    escalationRate: null,
  };
  return { at: now, queues, today: today ?? empty, openFeedback: feedback.open, overdueFeedback: feedback.overdue, stats };
}

/** A snapshot older than this is not handed out again even when nothing happened (waits grow). */
const MAX_AGE_MS = 5000;

/**
 * One computation per workspace and state of the floor, in this process: every subscriber of a
 * workspace that asks after the same events shares one snapshot, however many they are. An event
 * (the same payload object reaches every subscriber in the process) moves the workspace's version on.
 */
export class DashboardHub {
  private readonly versions = new Map<string, number>();
  private readonly seen = new WeakSet<object>();
  private readonly latest = new Map<string, { version: number; startedAt: number; snapshot: Promise<DashboardSnapshot> }>();
  computations = 0;

  noteEvent(workspaceId: string, payload: object): void {
    if (this.seen.has(payload)) return;
    this.seen.add(payload);
    this.versions.set(workspaceId, (this.versions.get(workspaceId) ?? 0) + 1);
  }

  snapshot(em: EntityManager, workspaceId: string, now: Date): Promise<DashboardSnapshot> {
    const version = this.versions.get(workspaceId) ?? 0;
    const cached = this.latest.get(workspaceId);
    if (cached && cached.version === version && Date.now() - cached.startedAt < MAX_AGE_MS) return cached.snapshot;
    this.computations++;
    const snapshot = dashboardSnapshot(em, workspaceId, now);
    this.latest.set(workspaceId, { version, startedAt: Date.now(), snapshot });
    snapshot.catch(() => this.latest.delete(workspaceId));
    return snapshot;
  }

  /** Forgets a workspace once nobody watches it. */
  release(workspaceId: string): void {
    this.latest.delete(workspaceId);
  }
}

export const dashboardHub = new DashboardHub();
