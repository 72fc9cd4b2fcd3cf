import type { EntityClass } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { isUuid } from '../db/ids';
import { ApiKey } from '../modules/workspace/api-key.entity';
import { AuditEntry } from '../modules/workspace/audit-entry.entity';
import { Workspace } from '../modules/workspace/workspace.entity';
import { CustomerMerge } from '../modules/customer/customer-merge.entity';
import { liveCustomer } from '../modules/customer/customer.loaders';
import { Customer } from '../modules/customer/customer.entity';
import { Event } from '../modules/customer/event.entity';
import { Identity } from '../modules/customer/identity.entity';
import { KnowledgeArticle } from '../modules/knowledge/knowledge-article.entity';
import { ReplyTemplate } from '../modules/template/reply-template.entity';
import { FeedbackItem } from '../modules/feedback/feedback-item.entity';
import { CareTask } from '../modules/care/care-task.entity';
import { Playbook } from '../modules/care/playbook.entity';
import { Experiment } from '../modules/experiment/experiment.entity';
import { Webhook } from '../modules/webhook/webhook.entity';
import { SurveyResponse } from '../modules/feedback/survey-response.entity';
import { Conversation } from '../modules/conversation/conversation.entity';
import { Message } from '../modules/conversation/message.entity';
import { Agent } from '../modules/queue/agent.entity';
import { Queue } from '../modules/queue/queue.entity';
import { SlaPolicy } from '../modules/queue/sla-policy.entity';
import { Segment } from '../modules/segment/segment.entity';
import { accessOf } from './access';
import { Node } from './node';

/**
 * The entities `node(id:)` can return. Ids are UUIDs shared by no two rows, so one UNION over the
 * tables of the types the role may read (their access rule) finds the type.
 */
const NODE_TYPES: { entity: EntityClass<Node>; load?: (ctx: Context, id: string) => Promise<Node | null> }[] = [
  { entity: Workspace },
  { entity: ApiKey },
  { entity: AuditEntry },
  { entity: Customer, load: (ctx, id) => liveCustomer(ctx).load(id) },
  { entity: Identity },
  { entity: Event },
  { entity: CustomerMerge },
  { entity: KnowledgeArticle },
  { entity: ReplyTemplate },
  { entity: FeedbackItem },
  { entity: CareTask },
  { entity: Playbook },
  { entity: Experiment },
  { entity: Webhook },
  { entity: SurveyResponse },
  { entity: Segment },
  { entity: Conversation },
  { entity: Message },
  { entity: Queue },
  { entity: Agent },
  { entity: SlaPolicy },
];

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, { nullable: true, description: 'Any object by its id, within the calling workspace.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    if (!isUuid(id)) return null;
    const metadata = ctx.em.getMetadata();
    const visible = NODE_TYPES.filter(({ entity }) => accessOf(entity.name)!.read.includes(ctx.viewer.role));
    if (visible.length === 0) return null;
    const parts = visible.map(({ entity }, index) => {
      const meta = metadata.get(entity.name);
      const scope = entity === Workspace ? 'id' : 'workspace_id';
      return `select ${index} as kind from "${meta.tableName}" where id = ? and ${scope} = ?`;
    });
    const params = visible.flatMap(() => [id, ctx.viewer.workspaceId]);
    const [hit] = await ctx.em.getConnection().execute<{ kind: number }[]>(`${parts.join(' union all ')} limit 1`, params);
    if (!hit) return null;
    const type = visible[hit.kind];
    return type.load ? type.load(ctx, id) : ctx.loaders.byId(type.entity as EntityClass<Node>).load(id);
  }
}
