import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { pipeline } from '../../db/pipeline';
import { sql } from '../../db/sql';
import type { Outbox } from '../../events/outbox';
import type { Viewer } from '../../graphql/auth';
import { liveCustomerId } from '../customer/privacy.service';
import { recordAuditVia } from '../workspace/audit.service';
import { handOffStatement } from './care.sql';
import { CareErrors } from './care.errors';
import { QueueErrors } from '../queue/queue.errors';

/** Sets (agentId) or clears (null) a customer's owner, who must be a dedicated agent; audited. Returns the customer's id. */
export async function assignOwner(tx: EntityManager, outbox: Outbox, viewer: Viewer, customerId: string, agentId: string | null): Promise<string> {
  const ws = viewer.workspaceId;
  const id = await liveCustomerId(tx, ws, customerId);
  if (agentId) {
    const [agent] = isUuid(agentId)
      ? await sql<{ dedicated: boolean }>(tx, `select dedicated from agent where workspace_id = ? and id = ?`, [ws, agentId])
      : [];
    if (!agent) throw QueueErrors.agentNotFound(agentId);
    if (!agent.dedicated) throw CareErrors.ownerNotDedicated(agentId);
  }
  const [before] = await sql<{ owner_id: string | null }>(tx, `select owner_id from customer where workspace_id = ? and id = ? for update`, [ws, id]);
  if (before.owner_id === agentId) return id;
  await sql(tx, `update customer set owner_id = ?, updated_at = now() where workspace_id = ? and id = ?`, [agentId, ws, id]);
  recordAuditVia(outbox, tx, ws, viewer.keyId, {
    action: agentId ? 'customer.owner_assigned' : 'customer.owner_cleared',
    subjectType: 'Customer',
    subjectId: id,
    details: { agentId, previousAgentId: before.owner_id },
  });
  return id;
}

/** An agent who stops being dedicated hands its customers on (to the other dedicated agents, least loaded first). */
export async function handOffCustomers(tx: EntityManager, workspaceId: string, agentId: string): Promise<void> {
  await pipeline(tx, [handOffStatement(workspaceId, agentId)]);
}
