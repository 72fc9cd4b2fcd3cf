import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { isCursorTime, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { failedRows, statusOf } from './intake.sql';
import { retryIntake } from './intake.service';
import { IngestionStatus, IntakeFailure, IntakeFailureConnection } from './intake.types';

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const isFailureKey = (key: unknown): key is [string, string] =>
  Array.isArray(key) && key.length === 2 && isCursorTime(key[0]) && typeof key[1] === 'string' && /^\d{1,18}$/.test(key[1]);

@Resolver()
export class IntakeResolver {
  @Authorized(...may.readIntake)
  @Query(() => IngestionStatus, { description: "The intake of Segment's HTTP Tracking API (/v1/*): backlog, rates, dead letters and lag." })
  async ingestionStatus(@Ctx() ctx: Context): Promise<IngestionStatus> {
    const row = await statusOf(ctx.em, ctx.viewer.workspaceId, ctx.clock.now());
    return {
      backlog: row.backlog,
      oldestWaitingAt: row.oldest ? toDate(row.oldest) : null,
      acceptedLastMinute: row.accepted,
      appliedLastMinute: row.applied,
      failed: row.failed,
      lagSeconds: row.lag,
      lagP95Seconds: row.lagP95,
    };
  }

  @Authorized(...may.readIntake)
  @Query(() => IntakeFailureConnection, { description: 'Dead letters of the intake, the latest failure first.' })
  async intakeFailures(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<IntakeFailure>> {
    const page = parsePage(first, after, isFailureKey);
    const rows = await failedRows(ctx.em, ctx.viewer.workspaceId, page.after, page.first + 1);
    const failures = rows.map((row) => ({
      id: row.id,
      messageId: row.message_id,
      receivedAt: toDate(row.received_at),
      failedAt: toDate(row.failed_at),
      code: row.error_code,
      message: row.error_message,
      attempts: row.attempts,
      payload: row.item,
    }));
    return toConnection(failures, page, (failure) => [failure.failedAt.toISOString(), failure.id]);
  }

  @Authorized(...may.administer)
  @Mutation(() => [ID], { description: 'Puts dead letters of the intake back in line; returns the ids that were failed and now wait again.' })
  retryIntake(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<string[]> {
    return retryIntake(ctx.em, ctx.bus, ctx.viewer, ids);
  }
}
