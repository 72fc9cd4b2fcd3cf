import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import type { Connection } from '../../graphql/connection';
import type { Topics } from '../../events/topics';
import { AuditEntry } from './audit-entry.entity';
import { listAudit } from './audit.service';
import { AuditEntryConnection } from './audit.types';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(...may.readAudit)
  @Query(() => AuditEntryConnection, { description: 'What was done in this workspace, newest first.' })
  auditLog(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('subjectId', () => ID, { nullable: true }) subjectId?: string,
  ): Promise<Connection<AuditEntry>> {
    return listAudit(ctx.em, { first, after, subjectId });
  }

  @Authorized(...may.readAudit)
  @Subscription(() => AuditEntry, {
    description: 'Each audit entry of this workspace as it is written.',
    topics: 'AUDIT_ENTRY_ADDED',
    filter: ({ payload, context }: { payload: Topics['AUDIT_ENTRY_ADDED']; context: Context }) => payload.ws === context.viewer.workspaceId,
  })
  async auditEntryAdded(@Root() payload: Topics['AUDIT_ENTRY_ADDED'], @Ctx() ctx: Context): Promise<AuditEntry> {
    const em = ctx.em.fork();
    return em.findOneOrFail(AuditEntry, { id: payload.entryId });
  }
}
