import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { sql } from '../../db/sql';
import { may } from '../../graphql/auth';
import { cursorKey, toConnection, parsePage, type Connection } from '../../graphql/connection';
import { ContactPurpose, FeedbackStatus } from '../../graphql/enums';
import { Conversation } from '../conversation/conversation.entity';
import { conversationById } from '../conversation/conversation.loaders';
import { Customer } from '../customer/customer.entity';
import { liveCustomer, requireLiveCustomer } from '../customer/customer.loaders';
import { publishTransitions } from '../lifecycle/lifecycle.service';
import { recommendChannel, requestNow, settingsOf } from '../preference/preference.loaders';
import { FeedbackItem, FollowUp } from './feedback-item.entity';
import { SurveyResponse } from './survey-response.entity';
import { isOverdue } from './feedback.rules';
import { advanceFeedback, completeFollowUp, listFeedback, openFeedbackIn, scheduleFollowUp } from './feedback.service';
import { FeedbackItemConnection } from './feedback.types';
import { AdvanceFeedbackInput, FeedbackFilter, OpenFeedbackInput, ScheduleFollowUpInput } from './feedback.input';

const followUpsOf = (ctx: Context) =>
  ctx.loaders.named<string, FollowUp[]>('followUpsOf', async (ids) => {
    const rows = await ctx.em.find(FollowUp, { feedbackItemId: { $in: [...ids] } }, { orderBy: { dueAt: 'asc', id: 'asc' } });
    return ids.map((id) => rows.filter((row) => row.feedbackItemId === id));
  });

interface CustomerFeedbackKey {
  customerId: string;
  first?: number | null;
  after?: string | null;
  status?: FeedbackStatus | null;
}

/** Each customer's feedback, newest first; keys that share their arguments cost one windowed statement. */
const customerFeedbackOf = (ctx: Context) =>
  ctx.loaders.named<CustomerFeedbackKey, Connection<FeedbackItem>>(
    'customerFeedback',
    async (keys) => {
      const answers = new Map<string, Connection<FeedbackItem>>();
      const groups = new Map<string, CustomerFeedbackKey[]>();
      for (const key of keys) {
        const args = JSON.stringify([key.first, key.after, key.status]);
        groups.set(args, [...(groups.get(args) ?? []), key]);
      }
      for (const group of groups.values()) {
        const { first, after, status } = group[0];
        const page = parsePage(first, after, cursorKey.timeAndId);
        const rows = await sql<Record<string, unknown> & { root: string; rank: number; total: number }>(
          ctx.em,
          `select * from (
             select y.*, row_number() over (partition by y.root order by y.created_at desc, y.id desc) as rank from (
               select f.*, r.id as root, count(*) over (partition by r.id)::int as total
               from unnest(?::uuid[]) r(id) join customer m on m.workspace_id = ? and (m.id = r.id or m.merged_into_id = r.id)
               join feedback_item f on f.workspace_id = m.workspace_id and f.customer_id = m.id
               where (?::text is null or f.status = ?)
             ) y where (?::timestamptz is null or (y.created_at, y.id) < (?::timestamptz, ?::uuid))
           ) x where rank <= ?`,
          [
            group.map((key) => key.customerId),
            ctx.viewer.workspaceId,
            status ?? null,
            status ?? null,
            page.after?.[0] ?? null,
            page.after?.[0] ?? null,
            page.after?.[1] ?? null,
            page.first + 1,
          ],
        );
        for (const key of group) {
          const mine = rows.filter((row) => row.root === key.customerId);
          const items = mine.map(({ root: _root, rank: _rank, total: _total, ...row }) => ctx.em.map(FeedbackItem, row));
          answers.set(
            JSON.stringify(key),
            toConnection(items, page, (item) => [item.createdAt.toISOString(), item.id], mine[0]?.total ?? 0),
          );
        }
      }
      return keys.map((key) => answers.get(JSON.stringify(key))!);
    },
    (key) => JSON.stringify(key),
  );

type Overdue = { ws: string; ids: string[] };

async function* overdueOf({ context }: SubscribeResolverData<unknown, unknown, Context>): AsyncGenerator<string> {
  for await (const message of context.bus.subscribe('FEEDBACK_OVERDUE', (m) => (m as Overdue).ws === context.viewer.workspaceId)) {
    yield* (message as Overdue).ids;
  }
}

@Resolver(() => FeedbackItem)
export class FeedbackResolver {
  @Authorized(...may.readFeedback)
  @Query(() => FeedbackItemConnection, { description: 'The rectification ledger, newest first.' })
  feedbackItems(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => FeedbackFilter, { nullable: true }) filter?: FeedbackFilter,
  ): Promise<Connection<FeedbackItem>> {
    return listFeedback(ctx.em, ctx.viewer.workspaceId, { first, after, filter }, requestNow(ctx));
  }

  @Authorized(...may.handleFeedback)
  @Mutation(() => FeedbackItem, { description: 'Opens a feedback item; a COMPLAINT also tags the customer complaint-risk and makes them AT_RISK.' })
  async openFeedback(@Arg('input', () => OpenFeedbackInput) input: OpenFeedbackInput, @Ctx() ctx: Context): Promise<FeedbackItem> {
    const settings = await settingsOf(ctx);
    const { item, transitions } = await ctx.em.fork().transactional((tx) => openFeedbackIn(tx, ctx.viewer, settings, input, ctx.clock.now()));
    await publishTransitions(ctx.bus, ctx.viewer.workspaceId, transitions);
    return item;
  }

  @Authorized(...may.handleFeedback)
  @Mutation(() => FeedbackItem, {
    description: 'One step along OPEN, ACKNOWLEDGED, IN_PROGRESS, RESOLVED, VERIFIED, CLOSED (RESOLVED may go back to IN_PROGRESS).',
  })
  async advanceFeedback(@Arg('input', () => AdvanceFeedbackInput) input: AdvanceFeedbackInput, @Ctx() ctx: Context): Promise<FeedbackItem> {
    const settings = await settingsOf(ctx);
    let channel = null;
    if (input.status === FeedbackStatus.CLOSED) {
      const item = await ctx.loaders.byId(FeedbackItem).load(input.id);
      const customer = item ? await liveCustomer(ctx).load(item.customerId) : null;
      channel = customer ? await recommendChannel(ctx, customer.id, ContactPurpose.SERVICE) : null;
    }
    return advanceFeedback(ctx.em, ctx.viewer, settings, input, channel, ctx.clock.now());
  }

  @Authorized(...may.handleFeedback)
  @Mutation(() => FollowUp)
  scheduleFollowUp(@Arg('input', () => ScheduleFollowUpInput) input: ScheduleFollowUpInput, @Ctx() ctx: Context): Promise<FollowUp> {
    return scheduleFollowUp(ctx.em, ctx.viewer, input, ctx.clock.now());
  }

  @Authorized(...may.handleFeedback)
  @Mutation(() => FollowUp)
  completeFollowUp(@Arg('id', () => ID) id: string, @Arg('outcome') outcome: string, @Ctx() ctx: Context): Promise<FollowUp> {
    return completeFollowUp(ctx.em, ctx.viewer, id, outcome, ctx.clock.now());
  }

  @Authorized(...may.readFeedback)
  @Subscription(() => FeedbackItem, { description: 'Feedback items of this workspace as they become overdue, each once.', subscribe: overdueOf })
  async feedbackOverdue(@Root() id: string, @Ctx() ctx: Context): Promise<FeedbackItem> {
    const { em } = ctx;
    return (await em.findOne(FeedbackItem, { id }))!;
  }

  @FieldResolver(() => Customer)
  async customer(@Root() item: FeedbackItem, @Ctx() ctx: Context): Promise<Customer> {
    return requireLiveCustomer(ctx, item.customerId);
  }

  @FieldResolver(() => Conversation, { nullable: true })
  conversation(@Root() item: FeedbackItem, @Ctx() ctx: Context): Promise<Conversation | null> {
    return item.conversationId ? conversationById(ctx).load(item.conversationId) : Promise.resolve(null);
  }

  @FieldResolver(() => SurveyResponse, { nullable: true, description: 'The survey answer that opened this item, for a detractor.' })
  surveyResponse(@Root() item: FeedbackItem, @Ctx() ctx: Context): Promise<SurveyResponse | null> {
    return item.surveyResponseId ? ctx.loaders.byId(SurveyResponse).load(item.surveyResponseId) : Promise.resolve(null);
  }

  @FieldResolver(() => [FollowUp])
  followUps(@Root() item: FeedbackItem, @Ctx() ctx: Context): Promise<FollowUp[]> {
    return followUpsOf(ctx).load(item.id);
  }

  @FieldResolver(() => Boolean, { description: 'Past the response deadline while not acknowledged, or past dueAt while not resolved.' })
  overdue(@Root() item: FeedbackItem, @Ctx() ctx: Context): boolean {
    return item.status !== FeedbackStatus.CLOSED && isOverdue(item, requestNow(ctx));
  }
}

@Resolver(() => Customer)
export class CustomerFeedbackResolver {
  @FieldResolver(() => FeedbackItemConnection, { description: "The customer's feedback items, newest first." })
  feedbackItems(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => FeedbackStatus, { nullable: true }) status?: FeedbackStatus,
  ): Promise<Connection<FeedbackItem>> {
    return customerFeedbackOf(ctx).load({ customerId: customer.id, first, after, status });
  }
}
