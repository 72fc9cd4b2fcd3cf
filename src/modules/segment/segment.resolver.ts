import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import { countLater, cursorKey, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { may } from '../../graphql/auth';
import { MembershipChange } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { liveCustomer } from '../customer/customer.loaders';
import { CustomerConnection } from '../customer/customer.types';
import { SegmentRuleInput } from './segment-rule.input';
import { toRule } from './segment-rule.types';
import { SegmentMembershipEvent, Segment } from './segment.entity';
import { SegmentErrors } from './segment.errors';
import { changeStatic, createSegment, deleteSegment, previewCount, publishChanges, refreshIn, sampleIds, segmentFor, updateSegment } from './segment.service';
import { CreateSegmentInput, UpdateSegmentInput } from './segment.input';
import { SegmentMembershipEventConnection, SegmentPreview, SegmentRefreshResult } from './segment.types';

const sizeOf = (ctx: Context) =>
  ctx.loaders.named<string, number>('segmentSize', async (ids) => {
    const rows = await sql<{ segment_id: string; n: number }>(
      ctx.em,
      `select segment_id, count(*)::int n from segment_member where workspace_id = ? and segment_id = any(?::uuid[]) group by 1`,
      [ctx.viewer.workspaceId, [...ids]],
    );
    return ids.map((id) => rows.find((row) => row.segment_id === id)?.n ?? 0);
  });

const segmentsOf = (ctx: Context) =>
  ctx.loaders.named<string, Segment[]>('segmentsOfCustomer', async (ids) => {
    const rows = await sql<Record<string, unknown> & { customer_id: string }>(
      ctx.em,
      `select s.*, m.customer_id from segment_member m join segment s on s.workspace_id = m.workspace_id and s.id = m.segment_id where m.workspace_id = ? and m.customer_id = any(?::uuid[]) order by s.name`,
      [ctx.viewer.workspaceId, [...ids]],
    );
    return ids.map((id) => rows.filter((row) => row.customer_id === id).map(({ customer_id: _c, ...row }) => ctx.em.map(Segment, row)));
  });

type Membership = { ws: string; segmentId: string; changes: [string, string][] };

/** Checked before the stream starts, so an unknown or foreign segment is NOT_FOUND at subscribe time. */
async function membershipOf({
  context,
  args,
}: SubscribeResolverData<unknown, { segmentId: string }, Context>): Promise<AsyncGenerator<SegmentMembershipEvent>> {
  const segment = isUuid(args.segmentId) ? await context.em.findOne(Segment, { id: args.segmentId }) : null;
  if (!segment) throw SegmentErrors.notFound(args.segmentId);
  return membershipEvents(context, segment.id);
}

/** Holds the segment's id only, not the entity (and with it the EntityManager it was read with) for the subscription's life. */
async function* membershipEvents(context: Context, segmentId: string): AsyncGenerator<SegmentMembershipEvent> {
  const mine = (message: object) => (message as Membership).ws === context.viewer.workspaceId && (message as Membership).segmentId === segmentId;
  for await (const message of context.bus.subscribe('SEGMENT_MEMBERSHIP', mine)) {
    const { segmentId, changes } = message as Membership;
    for (const [customerId, change] of changes)
      yield Object.assign(new SegmentMembershipEvent(), { segmentId, customerId, change: change as MembershipChange, at: new Date() });
  }
}

@Resolver(() => Segment)
export class SegmentResolver {
  @Authorized(...may.readSegments)
  @Query(() => [Segment])
  segments(@Ctx() ctx: Context): Promise<Segment[]> {
    return ctx.em.find(Segment, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Authorized(...may.readSegments)
  @Query(() => Segment, { nullable: true })
  segment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Segment | null> {
    return isUuid(id) ? ctx.loaders.byId(Segment).load(id) : Promise.resolve(null);
  }

  @Authorized(...may.readSegments)
  @Query(() => SegmentPreview, { description: 'How many live customers a rule selects, and a sample, without saving anything.' })
  async previewSegment(@Arg('rule', () => SegmentRuleInput) rule: SegmentRuleInput, @Ctx() ctx: Context): Promise<SegmentPreview> {
    return previewCount(ctx.em, ctx.viewer.workspaceId, toRule(rule), ctx.clock.now());
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => Segment)
  async createSegment(@Arg('input', () => CreateSegmentInput) input: CreateSegmentInput, @Ctx() ctx: Context): Promise<Segment> {
    const { segment, changes } = await createSegment(ctx.em, ctx.viewer, { ...input, rule: input.rule ? toRule(input.rule) : null }, ctx.clock.now());
    await publishChanges(ctx.bus, ctx.viewer.workspaceId, segment.id, changes);
    return segment;
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => Segment)
  async updateSegment(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateSegmentInput) input: UpdateSegmentInput,
    @Ctx() ctx: Context,
  ): Promise<Segment> {
    const { segment, changes } = await updateSegment(ctx.em, ctx.viewer, id, { ...input, rule: input.rule ? toRule(input.rule) : undefined }, ctx.clock.now());
    await publishChanges(ctx.bus, ctx.viewer.workspaceId, segment.id, changes);
    return segment;
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => Boolean)
  async deleteSegment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await deleteSegment(ctx.em, ctx.viewer, id);
    return true;
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => SegmentRefreshResult, { description: 'Recomputes a DYNAMIC segment as a set difference in SQL; entered and exited are kept and published.' })
  async refreshSegment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<SegmentRefreshResult> {
    const started = Date.now();
    const { segment, changes } = await ctx.em.fork().transactional(async (tx) => {
      const segment = await segmentFor(tx, id);
      if (!segment.rule) throw SegmentErrors.staticNotRefreshable();
      return { segment, changes: await refreshIn(tx, segment, ctx.clock.now()) };
    });
    await publishChanges(ctx.bus, ctx.viewer.workspaceId, segment.id, changes);
    return {
      segment: (await ctx.em.fork().findOne(Segment, { id: segment.id }))!,
      entered: changes.entered.length,
      exited: changes.exited.length,
      durationMs: Date.now() - started,
    };
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => Segment)
  async addToSegment(@Arg('id', () => ID) id: string, @Arg('customerIds', () => [ID]) customerIds: string[], @Ctx() ctx: Context): Promise<Segment> {
    const { segment, changes } = await changeStatic(ctx.em, ctx.viewer, id, customerIds, true, ctx.clock.now());
    await publishChanges(ctx.bus, ctx.viewer.workspaceId, segment.id, changes);
    return segment;
  }

  @Authorized(...may.manageSegments)
  @Mutation(() => Segment)
  async removeFromSegment(@Arg('id', () => ID) id: string, @Arg('customerIds', () => [ID]) customerIds: string[], @Ctx() ctx: Context): Promise<Segment> {
    const { segment, changes } = await changeStatic(ctx.em, ctx.viewer, id, customerIds, false, ctx.clock.now());
    await publishChanges(ctx.bus, ctx.viewer.workspaceId, segment.id, changes);
    return segment;
  }

  @Authorized(...may.readSegments)
  @Subscription(() => SegmentMembershipEvent, { description: 'Customers entering and leaving a segment of this workspace.', subscribe: membershipOf })
  segmentMembership(@Root() change: SegmentMembershipEvent, @Arg('segmentId', () => ID) _segmentId: string): SegmentMembershipEvent {
    return change;
  }

  @FieldResolver(() => Int)
  size(@Root() segment: Segment, @Ctx() ctx: Context): Promise<number> {
    return sizeOf(ctx).load(segment.id);
  }

  @FieldResolver(() => Boolean, { description: 'True when a time-relative rule has not been re-evaluated since its window moved.' })
  stale(@Root() segment: Segment, @Ctx() ctx: Context): boolean {
    if (!segment.windowed) return false;
    if (!segment.refreshedAt) return true;
    const day = 86_400_000;
    return Math.floor(ctx.clock.now().getTime() / day) > Math.floor(segment.refreshedAt.getTime() / day);
  }

  @FieldResolver(() => CustomerConnection)
  async members(
    @Root() segment: Segment,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<Customer>> {
    const page = parsePage(first, after, cursorKey.id);
    const rows = await sql<{ customer_id: string }>(
      ctx.em,
      `select customer_id from segment_member where workspace_id = ? and segment_id = ? and (?::uuid is null or customer_id > ?::uuid) order by customer_id limit ?`,
      [ctx.viewer.workspaceId, segment.id, page.after ?? null, page.after ?? null, page.first + 1],
    );
    const customers = (await Promise.all(rows.map((row) => liveCustomer(ctx).load(row.customer_id)))).filter((c): c is Customer => c !== null);
    const total = countLater(ctx.em, 'segment_member', ['workspace_id = ?', 'segment_id = ?'], [ctx.viewer.workspaceId, segment.id]);
    return toConnection(customers, page, (customer) => customer.id, total);
  }

  @FieldResolver(() => SegmentMembershipEventConnection, { description: 'Entered and exited changes, newest first.' })
  async history(
    @Root() segment: Segment,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<SegmentMembershipEvent>> {
    const page = parsePage(first, after, cursorKey.timeAndId);
    const rows = await ctx.em.find(
      SegmentMembershipEvent,
      {
        segmentId: segment.id,
        ...(page.after ? { $or: [{ at: { $lt: new Date(page.after[0]) } }, { at: new Date(page.after[0]), id: { $lt: page.after[1] } }] } : {}),
      },
      { orderBy: { at: 'desc', id: 'desc' }, limit: page.first + 1 },
    );
    return toConnection(rows, page, (row) => [row.at.toISOString(), row.id]);
  }
}

@Resolver(() => SegmentPreview)
export class SegmentPreviewResolver {
  @FieldResolver(() => [Customer])
  async sample(@Root() preview: SegmentPreview, @Ctx() ctx: Context, @Arg('limit', () => Int, { nullable: true }) limit?: number): Promise<Customer[]> {
    const size = limit ?? 10;
    if (size < 0 || size > 100) throw SegmentErrors.sampleLimit();
    const ids = await sampleIds(ctx.em, preview.rule, preview.where, preview.params, size);
    return (await Promise.all(ids.map((id) => liveCustomer(ctx).load(id)))).filter((c): c is Customer => c !== null);
  }
}

@Resolver(() => Customer)
export class CustomerSegmentsResolver {
  @FieldResolver(() => [Segment], { description: 'The segments the customer is in now.' })
  segments(@Root() customer: Customer, @Ctx() ctx: Context): Promise<Segment[]> {
    return segmentsOf(ctx).load(customer.id);
  }
}
