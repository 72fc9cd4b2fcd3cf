import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { uuidv7 } from '../../db/ids';
import { sql } from '../../db/sql';
import { may } from '../../graphql/auth';
import { cursorKey, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { IngestKind } from '../../graphql/enums';
import { Conversation } from '../conversation/conversation.entity';
import { conversationById } from '../conversation/conversation.loaders';
import { Customer } from '../customer/customer.entity';
import { requireLiveCustomer } from '../customer/customer.loaders';
import { ingest } from '../ingestion/ingestion.service';
import { publishTransitions } from '../lifecycle/lifecycle.service';
import { settingsOf } from '../preference/preference.loaders';
import { publishAudits } from '../workspace/audit.service';
import { SurveyResponse } from './survey-response.entity';
import { checkAnswer, submitSurvey } from './survey.service';
import { SubmitSurveyInput } from './survey.input';
import { SurveyResponseConnection } from './survey.types';
import { IngestionErrors } from '../ingestion/ingestion.errors';
import { FeedbackErrors } from './feedback.errors';

/** The customer an answer names: by id, or by identifiers resolved (and created or merged) as `identify` does. */
async function customerOf(ctx: Context, input: SubmitSurveyInput): Promise<string> {
  if (!!input.customerId === !!input.identifiers?.length) throw FeedbackErrors.surveyCustomerOrIdentifiers();
  if (input.customerId) return input.customerId;
  const settings = await settingsOf(ctx);
  const result = await ingest(ctx.em, { workspaceId: ctx.viewer.workspaceId, settings, now: ctx.clock.now(), actorKeyId: ctx.viewer.keyId }, [
    { messageId: `survey-${uuidv7()}`, kind: IngestKind.IDENTIFY, identifiers: input.identifiers! },
  ]);
  await publishTransitions(ctx.bus, ctx.viewer.workspaceId, result.transitions);
  await publishAudits(ctx.bus, ctx.viewer.workspaceId, result.auditEntryIds);
  const [error] = result.errors;
  if (error) throw IngestionErrors.itemRefused(error, 'identifiers');
  return result.customerOf.get(0)!;
}

interface ResponsesKey {
  customerId: string;
  first?: number | null;
  after?: string | null;
}

/** Each customer's answers, newest first; keys sharing their arguments cost one windowed statement. */
const responsesOf = (ctx: Context) =>
  ctx.loaders.named<ResponsesKey, Connection<SurveyResponse>>(
    'surveyResponsesOf',
    async (keys) => {
      const answers = new Map<string, Connection<SurveyResponse>>();
      const groups = new Map<string, ResponsesKey[]>();
      for (const key of keys) groups.set(JSON.stringify([key.first, key.after]), [...(groups.get(JSON.stringify([key.first, key.after])) ?? []), key]);
      for (const group of groups.values()) {
        const page = parsePage(group[0].first, group[0].after, cursorKey.timeAndId);
        const rows = await sql<Record<string, unknown> & { root: string; rank: number }>(
          ctx.em,
          `select * from (
             select s.*, r.id as root, row_number() over (partition by r.id order by s.created_at desc, s.id desc) as rank
             from unnest(?::uuid[]) r(id) join customer m on m.workspace_id = ? and (m.id = r.id or m.merged_into_id = r.id)
             join survey_response s on s.workspace_id = m.workspace_id and s.customer_id = m.id
             where ?::timestamptz is null or (s.created_at, s.id) < (?::timestamptz, ?::uuid)
           ) x where rank <= ?`,
          [
            group.map((key) => key.customerId),
            ctx.viewer.workspaceId,
            page.after?.[0] ?? null,
            page.after?.[0] ?? null,
            page.after?.[1] ?? null,
            page.first + 1,
          ],
        );
        for (const key of group) {
          const items = rows.filter((row) => row.root === key.customerId).map(({ root: _root, rank: _rank, ...row }) => ctx.em.map(SurveyResponse, row));
          answers.set(
            JSON.stringify(key),
            toConnection(items, page, (item) => [item.createdAt.toISOString(), item.id]),
          );
        }
      }
      return keys.map((key) => answers.get(JSON.stringify(key))!);
    },
    (key) => JSON.stringify(key),
  );

@Resolver(() => SurveyResponse)
export class SurveyResolver {
  @Authorized(...may.submitSurveys)
  @Mutation(() => SurveyResponse, {
    description: 'Records a CSAT (1-5), NPS (0-10) or CES (1-7) answer; a detractor (NPS 0-6, CSAT 1-2) opens a COMPLAINT and makes the customer AT_RISK.',
  })
  async submitSurvey(@Arg('input', () => SubmitSurveyInput) input: SubmitSurveyInput, @Ctx() ctx: Context): Promise<SurveyResponse> {
    checkAnswer(input);
    const customerId = await customerOf(ctx, input);
    const { response, transitions } = await submitSurvey(ctx.em, ctx.viewer, await settingsOf(ctx), { ...input, customerId }, ctx.clock.now());
    await publishTransitions(ctx.bus, ctx.viewer.workspaceId, transitions);
    return response;
  }

  @FieldResolver(() => Customer)
  async customer(@Root() response: SurveyResponse, @Ctx() ctx: Context): Promise<Customer> {
    return requireLiveCustomer(ctx, response.customerId);
  }

  @FieldResolver(() => Conversation, { nullable: true })
  conversation(@Root() response: SurveyResponse, @Ctx() ctx: Context): Promise<Conversation | null> {
    return response.conversationId ? conversationById(ctx).load(response.conversationId) : Promise.resolve(null);
  }
}

const responsesOfConversation = (ctx: Context) =>
  ctx.loaders.named<string, SurveyResponse[]>('surveyResponsesOfConversation', async (ids) => {
    const rows = await ctx.em.find(SurveyResponse, { conversationId: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return ids.map((id) => rows.filter((row) => row.conversationId === id));
  });

@Resolver(() => Conversation)
export class ConversationSurveyResolver {
  @FieldResolver(() => [SurveyResponse], { description: 'Survey answers about this conversation, oldest first.' })
  surveyResponses(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<SurveyResponse[]> {
    return responsesOfConversation(ctx).load(conversation.id);
  }
}

@Resolver(() => Customer)
export class CustomerSurveyResolver {
  @FieldResolver(() => SurveyResponseConnection, { description: "The customer's survey answers, newest first." })
  surveyResponses(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<SurveyResponse>> {
    return responsesOf(ctx).load({ customerId: customer.id, first, after });
  }
}
