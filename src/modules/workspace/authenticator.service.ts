import type { MikroORM } from '@mikro-orm/postgresql';
import type { Viewer } from '../../graphql/auth';
import { ApiKey } from './api-key.entity';
import { hashSecret } from './api-key.service';
import { Role } from '../../graphql/enums';
import { withDefaults } from './workspace-settings.types';
import { readPipeline } from '../../db/pipeline';
import { runInWorkspace } from '../../telemetry/request-scope';

const CACHE_MS = 30_000;

/** Whether a key of this role sees personal data masked in a workspace masking these roles; ADMIN never does. */
export const masks = (maskedRoles: readonly string[], role: Role): boolean => role !== Role.ADMIN && maskedRoles.includes(role);
const LAST_USED_EVERY_MS = 60_000;

interface CachedKey {
  viewer: Viewer | null;
  until: number;
}

/**
 * Turns a bearer secret into a viewer. Answers are cached briefly; a revocation anywhere reaches
 * {@link Authenticator.forget} through the bus, so a revoked key stops working at once.
 */
export class Authenticator {
  private readonly cache = new Map<string, CachedKey>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly orm: MikroORM) {}

  async authenticate(secret: string): Promise<Viewer | null> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) {
      if (cached.viewer) this.touch(cached.viewer, now);
      return cached.viewer;
    }
    const viewer = await this.lookUp(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { viewer, until: now + CACHE_MS });
    if (viewer) this.touch(viewer, now);
    return viewer;
  }

  /** Before a request knows its workspace, row-level security lets it read only the key whose hash it names (for this statement's transaction). */
  private async lookUp(hash: string): Promise<Viewer | null> {
    const [, [key]] = await readPipeline(this.orm.em.fork(), [
      { text: `select set_config('cdp.api_key_hash', ?, true)`, params: [hash] },
      {
        text: `select k.id, k.role, k.workspace_id, w.stored_settings
               from api_key k join workspace w on w.id = k.workspace_id where k.hash = ? and k.revoked_at is null`,
        params: [hash],
      },
    ]);
    if (!key) return null;
    const { maskedRoles } = withDefaults(key.stored_settings);
    return { workspaceId: key.workspace_id, role: key.role, keyId: key.id, masked: masks(maskedRoles, key.role) };
  }

  /** Drops every cached answer for a key. */
  forget(keyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.viewer?.keyId === keyId) this.cache.delete(hash);
  }

  /** Drops every cached answer for the keys of a workspace (its masking changed). */
  forgetWorkspace(workspaceId: string): void {
    for (const [hash, entry] of this.cache) if (entry.viewer?.workspaceId === workspaceId) this.cache.delete(hash);
  }

  /** Records `lastUsedAt`, at most once a minute per key, off the request's path. */
  private touch({ keyId, workspaceId }: Viewer, now: number): void {
    if ((this.lastUsedWritten.get(keyId) ?? 0) + LAST_USED_EVERY_MS > now) return;
    this.lastUsedWritten.set(keyId, now);
    runInWorkspace(workspaceId, () =>
      this.orm.em.fork().nativeUpdate(ApiKey, { id: keyId }, { lastUsedAt: new Date(now) }, { filters: { workspace: false } }),
    ).catch(() => this.lastUsedWritten.delete(keyId));
  }
}

/** The secret of an `Authorization: Bearer <key>` value. */
export function bearerSecret(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}
