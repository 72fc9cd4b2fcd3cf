import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../clock';
import { forkForWorkspace } from '../../context';
import { forEachWorkspace } from '../../jobs/each-workspace';
import { statusOf, type StatusRow } from './intake.sql';

type Figure = (row: StatusRow, now: Date) => number | null;

/** The figures of `ingestionStatus`, per workspace, as gauges on /metrics. */
const FIGURES: Record<string, { help: string; of: Figure }> = {
  cdp_intake_backlog: { help: 'Intake calls stored and not yet applied', of: (row) => row.backlog },
  cdp_intake_oldest_waiting_seconds: {
    help: 'Age of the oldest waiting intake call',
    of: (row, now) => (row.oldest ? (now.getTime() - new Date(row.oldest).getTime()) / 1000 : 0),
  },
  cdp_intake_accepted_last_minute: { help: 'Intake calls stored in the last minute', of: (row) => row.accepted },
  cdp_intake_applied_last_minute: { help: 'Intake calls applied in the last minute', of: (row) => row.applied },
  cdp_intake_failed: { help: 'Intake dead letters', of: (row) => row.failed },
  cdp_intake_lag_seconds: { help: 'Seconds from receipt to application, on average over the last minute', of: (row) => row.lag },
  cdp_intake_lag_p95_seconds: { help: 'The 95th percentile of the same', of: (row) => row.lagP95 },
};

/** Registers the intake gauges; one scrape reads each workspace's figures once. */
export function registerIntakeMetrics(registry: Registry, orm: MikroORM, clock: Clock): void {
  let reading: { at: number; rows: Promise<{ workspaceId: string; row: StatusRow }[]> } | undefined;
  const read = () => {
    if (!reading || Date.now() - reading.at > 1000) reading = { at: Date.now(), rows: readAll(orm, clock.now()) };
    return reading.rows;
  };
  for (const [name, { help, of }] of Object.entries(FIGURES)) {
    new Gauge({
      name,
      help,
      labelNames: ['workspace'],
      registers: [registry],
      async collect() {
        this.reset();
        const now = clock.now();
        for (const { workspaceId, row } of await read()) this.set({ workspace: workspaceId }, of(row, now) ?? 0);
      },
    });
  }
}

async function readAll(orm: MikroORM, now: Date): Promise<{ workspaceId: string; row: StatusRow }[]> {
  const rows: { workspaceId: string; row: StatusRow }[] = [];
  await forEachWorkspace(orm, async ({ id }) => {
    rows.push({ workspaceId: id, row: await statusOf(forkForWorkspace(orm, id), id, now) });
  });
  return rows;
}
