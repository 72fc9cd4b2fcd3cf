import type { MikroORM } from '@mikro-orm/postgresql';
import type { Clock } from '../clock';
import { forkForWorkspace } from '../context';
import type { EventBus } from '../events/bus';
import { ageingCandidates, allLiveCustomers, publishTransitions, reevaluate } from '../modules/lifecycle/lifecycle.service';
import { Workspace } from '../modules/workspace/workspace.entity';
import { logger } from '../telemetry/logger';
import { runInWorkspace } from '../telemetry/request-scope';
import { forEachWorkspace } from './each-workspace';

export interface JobDeps {
  orm: MikroORM;
  bus: EventBus;
  clock: Clock;
}

/** Customers re-evaluated per transaction. */
const CHUNK = 500;

type Page = (em: ReturnType<typeof forkForWorkspace>, workspace: Workspace, now: Date, after: string | null) => Promise<string[]>;

/** Re-evaluates a workspace's customers a page at a time, each page in its own transaction, publishing as it goes. */
async function sweep({ orm, bus, clock }: JobDeps, workspace: Workspace, page: Page, label: string): Promise<{ customers: number; transitions: number }> {
  const now = clock.now();
  const em = forkForWorkspace(orm, workspace.id);
  let after: string | null = null;
  const done = { customers: 0, transitions: 0 };
  for (;;) {
    const ids = await page(em, workspace, now, after);
    if (!ids.length) break;
    const transitions = await em.fork().transactional((tx) => reevaluate(tx, workspace.id, workspace.settings, now, ids));
    await publishTransitions(bus, workspace.id, transitions);
    done.customers += ids.length;
    done.transitions += transitions.length;
    after = ids[ids.length - 1];
    logger.info({ job: label, workspaceId: workspace.id, ...done }, `${label}: ${done.customers} customers re-evaluated, ${done.transitions} stage changes`);
  }
  return done;
}

/** Hourly: stages and tiers that the passing of time changed (NEW -> ACTIVE -> AT_RISK -> CHURNED, spend leaving the window). */
export async function lifecycleAgeing(deps: JobDeps): Promise<void> {
  await forEachWorkspace(deps.orm, async (workspace) => {
    await sweep(deps, workspace, (em, ws, now, after) => ageingCandidates(em, ws.id, ws.settings, now, after, CHUNK), 'lifecycle ageing');
  });
}

/** After a settings change: every customer of the workspace, by the new thresholds. */
export async function lifecycleReevaluate(deps: JobDeps, payload: { workspaceId: string }): Promise<void> {
  const workspace = await deps.orm.em.fork().findOne(Workspace, { id: payload.workspaceId }, { filters: false });
  if (!workspace) return;
  await runInWorkspace(workspace.id, () =>
    sweep(deps, workspace, (em, ws, _now, after) => allLiveCustomers(em, ws.id, after, CHUNK), 'lifecycle re-evaluation'),
  );
}
