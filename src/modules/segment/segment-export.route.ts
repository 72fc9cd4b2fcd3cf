import express, { type Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { GraphQLError } from 'graphql';
import type { AppError } from '../../errors';
import { errorBody } from '../../graphql/format-error';
import { streamCsv } from '../../db/copy-csv';
import { isUuid } from '../../db/ids';
import { Role } from '../../graphql/enums';
import type { Viewer } from '../../graphql/auth';
import { SegmentErrors } from './segment.errors';
import { runInWorkspace } from '../../telemetry/request-scope';

const MAX_TRAITS = 20;
const TRAIT_KEY = /^[\p{L}\p{N}_.\- ]{1,100}$/u;

/**
 * `GET /segments/:id/export.csv?traits=city,age` (ADMIN or MARKETER key): the members with their
 * primary e-mail and phone and the chosen traits, streamed by PostgreSQL's COPY straight to the
 * response, so a large segment is never held in memory. COPY takes no bound parameters: the id is
 * a checked UUID, and trait keys are checked and quoted as literals by the driver.
 */
export function segmentExport(orm: MikroORM, authenticate: (header: unknown) => Promise<Viewer>): Router {
  const router = express.Router();
  router.get('/segments/:id/export.csv', async (req, res) => {
    let viewer: Viewer;
    try {
      viewer = await authenticate(req.headers.authorization);
    } catch (error) {
      const status = ((error as GraphQLError).extensions?.http as { status?: number } | undefined)?.status ?? 401;
      res.status(status).json(errorBody(error as Error));
      return;
    }
    // the export's statements see only the key's workspace (row-level security)
    await runInWorkspace(viewer.workspaceId, async () => {
      const fail = (status: number, error: AppError) => res.status(status).json(errorBody(error));
      if (viewer.role !== Role.ADMIN && viewer.role !== Role.MARKETER) return fail(403, SegmentErrors.exportForbidden());
      const id = req.params.id;
      const traits = String(req.query.traits ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean);
      if (traits.length > MAX_TRAITS || traits.some((key) => !TRAIT_KEY.test(key))) return fail(400, SegmentErrors.exportTraitsInvalid(MAX_TRAITS));
      const connection = orm.em.getConnection();
      const [segment] = isUuid(id) ? await connection.execute(`select id from segment where workspace_id = ? and id = ?`, [viewer.workspaceId, id]) : [];
      if (!segment) return fail(404, SegmentErrors.notFound(id));

      await streamCsv(
        orm,
        res,
        `segment-${id}.csv`,
        (client) => {
          const columns = traits.map((key) => `c.traits ->> ${client.escapeLiteral(key)} as ${client.escapeIdentifier(key)}`);
          const primary = (type: string) =>
            `(select i.value from identity i where i.workspace_id = c.workspace_id and i.customer_id = c.id and i.type = '${type}' order by i.first_seen_at limit 1)`;
          return `select c.id, c.display_name, ${primary('EMAIL')} as email, ${primary('PHONE')} as phone, c.lifecycle_stage, c.value_tier${columns.length ? `, ${columns.join(', ')}` : ''}
            from segment_member m join customer c on c.workspace_id = m.workspace_id and c.id = m.customer_id
            where m.workspace_id = ${client.escapeLiteral(viewer.workspaceId)} and m.segment_id = ${client.escapeLiteral(id)} and c.erased_at is null order by c.id`;
        },
        () => fail(500, SegmentErrors.exportFailed()),
      );
    });
  });
  return router;
}
