import express, { type Request, type Response, type Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { GraphQLError } from 'graphql';
import { forkForWorkspace } from '../../context';
import { inlined, streamCsv, type Quoting } from '../../db/copy-csv';
import { AppError } from '../../errors';
import type { Viewer } from '../../graphql/auth';
import { may } from '../../graphql/auth';
import { MetricGroup } from '../../graphql/enums';
import { errorBody } from '../../graphql/format-error';
import { runInWorkspace } from '../../telemetry/request-scope';
import { Experiment } from '../experiment/experiment.entity';
import { resultsStatement } from '../experiment/experiment.sql';
import { readSettings } from '../workspace/workspace-settings.service';
import { businessMetricsStatement } from './business-metrics.sql';
import { MetricsErrors } from './metrics.errors';
import { checkRange, serviceMetricsQuery } from './metrics.service';
import { weeklyReportsCsv } from './weekly-report.sql';

type Build = (viewer: Viewer, req: Request) => Promise<{ filename: string; query: (quoting: Quoting) => string }>;

function rangeOf(req: Request): { from: Date; to: Date } {
  const from = new Date(String(req.query.from ?? ''));
  const to = new Date(String(req.query.to ?? ''));
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw MetricsErrors.rangeMissing();
  const range = { from, to };
  checkRange(range);
  return range;
}

/** One query of each experiment's results, its id, name and status first; an empty one of the same columns without experiments. */
function experimentsQuery(workspaceId: string, experiments: Experiment[], quoting: Quoting): string {
  const none = { id: '00000000-0000-0000-0000-000000000000', name: '', status: '', conversionEvent: '', windowDays: 1, variants: [] };
  return (experiments.length ? experiments : [none])
    .map((x) => {
      const { text, params } = resultsStatement(workspaceId, x, null);
      const head = [x.id, x.name, x.status].map((value) => quoting.escapeLiteral(value));
      return `select ${head[0]}::uuid experiment_id, ${head[1]}::text experiment, ${head[2]}::text status, r.key variant, r.exposures, r.conversions, r.rate conversion_rate,
        r.low conversion_rate_low, r.high conversion_rate_high, r.lift, r.revenue, r.revenue / nullif(r.exposures, 0) revenue_per_exposure, r.p_value
        from (${inlined(text, params ?? [], quoting)}) r${experiments.length ? '' : ' where false'}`;
    })
    .join(' union all ');
}

/**
 * The reports as CSV, streamed by PostgreSQL's COPY (an ADMIN, MARKETER or ANALYST key; the figures
 * hold no personal data, so no role sees them masked):
 * `GET /reports/service-metrics.csv?from=&to=&groupBy=`, `/reports/business-metrics.csv?from=&to=`,
 * `/reports/experiments.csv` and `/reports/weekly.csv` (the stored weekly reports).
 */
export function reportExports(orm: MikroORM, authenticate: (header: unknown) => Promise<Viewer>): Router {
  const router = express.Router();
  const serve = (path: string, build: Build) =>
    router.get(path, async (req: Request, res: Response) => {
      let viewer: Viewer;
      try {
        viewer = await authenticate(req.headers.authorization);
      } catch (error) {
        const status = ((error as GraphQLError).extensions?.http as { status?: number } | undefined)?.status ?? 401;
        res.status(status).json(errorBody(error as Error));
        return;
      }
      await runInWorkspace(viewer.workspaceId, async () => {
        if (!(may.readBusinessMetrics as readonly string[]).includes(viewer.role)) return void res.status(403).json(errorBody(MetricsErrors.reportForbidden()));
        let report: Awaited<ReturnType<Build>>;
        try {
          report = await build(viewer, req);
        } catch (error) {
          if (error instanceof AppError) return void res.status(400).json(errorBody(error));
          throw error;
        }
        await streamCsv(orm, res, report.filename, report.query, () => res.status(500).json(errorBody(MetricsErrors.reportFailed())));
      });
    });

  serve('/reports/service-metrics.csv', async (viewer, req) => {
    const range = rangeOf(req);
    const groupBy = String(req.query.groupBy ?? MetricGroup.NONE) as MetricGroup;
    if (!Object.values(MetricGroup).includes(groupBy)) throw MetricsErrors.groupByInvalid();
    const { timezone } = await readSettings(forkForWorkspace(orm, viewer.workspaceId), viewer.workspaceId);
    const { text, params } = serviceMetricsQuery(viewer.workspaceId, timezone, range, groupBy);
    return { filename: 'service-metrics.csv', query: (quoting) => inlined(text, params, quoting) };
  });
  serve('/reports/business-metrics.csv', async (viewer, req) => {
    const { text, params } = businessMetricsStatement(viewer.workspaceId, rangeOf(req));
    return { filename: 'business-metrics.csv', query: (quoting) => inlined(text, params ?? [], quoting) };
  });
  serve('/reports/experiments.csv', async (viewer) => {
    const experiments = await forkForWorkspace(orm, viewer.workspaceId).find(Experiment, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { filename: 'experiments.csv', query: (quoting) => experimentsQuery(viewer.workspaceId, experiments, quoting) };
  });
  serve('/reports/weekly.csv', async (viewer) => {
    const { text, params } = weeklyReportsCsv(viewer.workspaceId);
    return { filename: 'weekly-reports.csv', query: (quoting) => inlined(text, params ?? [], quoting) };
  });
  return router;
}
