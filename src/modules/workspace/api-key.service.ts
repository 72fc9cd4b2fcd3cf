import { createHash, randomBytes } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { Role } from '../../graphql/enums';
import { isUuid } from '../../db/ids';
import { ApiKey } from './api-key.entity';
import { publishAudit, recordAudit } from './audit.service';
import type { AuditEntry } from './audit-entry.entity';
import { WorkspaceErrors } from './workspace.errors';

const SECRET_PREFIX = 'cdp_';
const SHOWN_PREFIX_LENGTH = 12;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export interface CreatedKey {
  apiKey: ApiKey;
  secret: string;
  audit: AuditEntry;
}

/**
 * Creates a key in the caller's transaction and returns its secret, which is never stored.
 * `secret` may be given (the default workspace's CDP_ADMIN_KEY); otherwise 32 random bytes.
 */
export function addApiKey(em: EntityManager, workspaceId: string, input: { name: string; role: Role; secret?: string }, actor: Viewer | null): CreatedKey {
  const name = input.name.trim();
  if (!name || name.length > 200) throw WorkspaceErrors.apiKeyNameLength();
  const secret = input.secret ?? SECRET_PREFIX + randomBytes(32).toString('base64url');
  if (secret.length < 16) throw WorkspaceErrors.apiKeyTooShort();
  const apiKey = em.create(ApiKey, {
    workspace: workspaceId,
    name,
    role: input.role,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    hash: hashSecret(secret),
  });
  em.persist(apiKey);
  const audit = recordAudit(em, workspaceId, actor?.keyId ?? null, {
    action: 'api_key.created',
    subjectType: 'ApiKey',
    subjectId: apiKey.id,
    details: { name, role: input.role },
  });
  return { apiKey, secret, audit };
}

export async function createApiKey(em: EntityManager, bus: EventBus, viewer: Viewer, input: { name: string; role: Role }): Promise<CreatedKey> {
  const created = await em.transactional(async (tx) => addApiKey(tx, viewer.workspaceId, input, viewer));
  await publishAudit(bus, created.audit);
  return created;
}

/** Revokes a key of the viewer's workspace; revoking twice keeps the first time. */
export async function revokeApiKey(em: EntityManager, bus: EventBus, viewer: Viewer, id: string): Promise<ApiKey> {
  const { apiKey, audit } = await em.transactional(async (tx): Promise<{ apiKey: ApiKey; audit?: AuditEntry }> => {
    const apiKey = isUuid(id) ? await tx.findOne(ApiKey, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
    if (!apiKey) throw WorkspaceErrors.apiKeyNotFound(id);
    if (apiKey.revokedAt) return { apiKey };
    apiKey.revokedAt = new Date();
    const audit = recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: 'api_key.revoked',
      subjectType: 'ApiKey',
      subjectId: apiKey.id,
      details: { name: apiKey.name, role: apiKey.role, self: apiKey.id === viewer.keyId },
    });
    return { apiKey, audit };
  });
  if (audit) {
    await bus.publish('API_KEY_REVOKED', { ws: viewer.workspaceId, keyId: apiKey.id });
    await publishAudit(bus, audit);
  }
  return apiKey;
}

export function listApiKeys(em: EntityManager): Promise<ApiKey[]> {
  return em.find(ApiKey, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
}
