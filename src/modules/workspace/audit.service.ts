import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventBus } from '../../events/bus';
import { parsePage, toConnection, type Connection } from '../../graphql/connection';
import { AuditEntry } from './audit-entry.entity';
import { isUuid } from '../../db/ids';
import { cursorKey } from '../../graphql/connection';

export interface AuditRecord {
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

/** Adds an audit entry to the caller's unit of work; it is written with the caller's transaction. */
export function recordAudit(em: EntityManager, workspaceId: string, actorKeyId: string | null, record: AuditRecord): AuditEntry {
  const entry = em.create(AuditEntry, {
    workspace: workspaceId,
    actorKeyId,
    subjectType: record.subjectType,
    subjectId: record.subjectId,
    action: record.action,
    details: record.details ?? null,
  });
  em.persist(entry);
  return entry;
}

type AuditCursor = [string, string];

/** Newest first; `subjectId` narrows to one subject's history. */
export async function listAudit(
  em: EntityManager,
  args: { first?: number | null; after?: string | null; subjectId?: string | null },
): Promise<Connection<AuditEntry>> {
  const page = parsePage<AuditCursor>(args.first, args.after, cursorKey.timeAndId);
  // no subject has an id that is not a UUID (and the column would refuse it)
  if (args.subjectId && !isUuid(args.subjectId)) return toConnection([], page, () => null);
  const where: Record<string, unknown> = {};
  if (args.subjectId) where.subjectId = args.subjectId;
  if (page.after) {
    const [at, id] = page.after;
    where.$or = [{ at: { $lt: new Date(at) } }, { at: new Date(at), id: { $lt: id } }];
  }
  const rows = await em.find(AuditEntry, where, { orderBy: { at: 'desc', id: 'desc' }, limit: page.first + 1 });
  return toConnection(rows, page, (row) => [row.at.toISOString(), row.id]);
}

/** Tells subscribers about an entry once its transaction has committed. */
export function publishAudit(bus: EventBus, entry: AuditEntry): Promise<void> {
  return bus.publish('AUDIT_ENTRY_ADDED', { ws: entry.workspace.id, entryId: entry.id });
}
