import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from '../../db/ids';
import type { Statement } from '../../db/pipeline';
import type { EventBus } from '../../events/bus';
import type { Outbox } from '../../events/outbox';
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

/** {@link recordAudit}, with the entry's publication added to the caller's outbox (sent once the transaction commits). */
export function recordAuditVia(outbox: Outbox, em: EntityManager, workspaceId: string, actorKeyId: string | null, record: AuditRecord): AuditEntry {
  const entry = recordAudit(em, workspaceId, actorKeyId, record);
  outbox.add('AUDIT_ENTRY_ADDED', { ws: workspaceId, entryId: entry.id });
  return entry;
}

/**
 * Many audit entries as one statement, for a step of a pipelined transaction (ingestion's merges
 * and refused links): one insert however many records, and the ids to publish once committed.
 */
export function auditStep(workspaceId: string, actorKeyId: string | null, records: readonly AuditRecord[], now: Date): { step: Statement; ids: string[] } {
  const ids = records.map(() => uuidv7());
  const step = {
    text: `insert into audit_entry (id, workspace_id, action, actor_key_id, subject_type, subject_id, details, at)
       select x.id, ?, x.action, ?, x.subject_type, x.subject_id, x.details, ? from unnest(?::uuid[], ?::text[], ?::text[], ?::uuid[], ?::jsonb[]) x(id, action, subject_type, subject_id, details)`,
    params: [
      workspaceId,
      actorKeyId,
      now,
      ids,
      records.map((record) => record.action),
      records.map((record) => record.subjectType),
      records.map((record) => record.subjectId),
      records.map((record) => (record.details ? JSON.stringify(record.details) : null)),
    ],
  };
  return { step, ids };
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

/** {@link publishAudit} for entries written by an {@link auditStep}, in as few notifications as fit. */
export function publishAudits(bus: EventBus, workspaceId: string, entryIds: readonly string[]): Promise<void> {
  return bus.publishEach(
    'AUDIT_ENTRY_ADDED',
    entryIds.map((entryId) => ({ ws: workspaceId, entryId })),
  );
}
