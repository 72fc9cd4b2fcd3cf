import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { Context } from '../../context';
import { withRetries } from '../../db/sql';
import { Outbox } from '../../events/outbox';
import { may } from '../../graphql/auth';
import type { Connection } from '../../graphql/connection';
import { CareTaskStatus, Channel } from '../../graphql/enums';
import { Customer } from '../customer/customer.entity';
import { requireLiveCustomer } from '../customer/customer.loaders';
import { CustomerConnection } from '../customer/customer.types';
import { careContactabilityOf, requestNow } from '../preference/preference.loaders';
import { Contactability } from '../preference/preference.types';
import { Agent } from '../queue/agent.entity';
import { requireIds } from '../queue/queue.service';
import { ReplyTemplate } from '../template/reply-template.entity';
import { recommendTemplates } from '../template/template.loaders';
import { CareTaskFilter } from './care.input';
import { customerCareTasksOf, dueContactOf, dueContacts, listCareTasks, requireTask } from './care.loaders';
import { CareTaskConnection, DueContact } from './care.types';
import { CareTask } from './care-task.entity';
import { cancelCareTask, completeCareTask } from './care-task.service';
import { Playbook } from './playbook.entity';

type Due = { ws: string; tasks: [string, string][] };

/** The tasks announced in the subscriber's workspace (of one owner, with ownerId), one id at a time; an unknown owner is NOT_FOUND. */
async function dueOf({ args, context }: SubscribeResolverData<unknown, { ownerId?: string | null }, Context>): Promise<AsyncIterable<string>> {
  if (args.ownerId) await requireIds(context.em, context.viewer.workspaceId, 'agent', [args.ownerId]);
  const messages = context.bus.subscribe('CARE_TASK_DUE', (m) => (m as Due).ws === context.viewer.workspaceId);
  return (async function* () {
    for await (const message of messages) {
      for (const [id, ownerId] of (message as Due).tasks) if (!args.ownerId || ownerId === args.ownerId) yield id;
    }
  })();
}

@Resolver(() => CareTask)
export class CareTaskResolver {
  @Authorized(...may.readCare)
  @Query(() => CareTaskConnection, { description: 'Care tasks, earliest due first.' })
  careTasks(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => CareTaskFilter, { nullable: true }) filter?: CareTaskFilter,
  ): Promise<Connection<CareTask>> {
    return listCareTasks(ctx, first, after, filter);
  }

  @Authorized(...may.readCare)
  @Query(() => CustomerConnection, { description: 'Customers whose tier cadence asks for a contact before `before` (default now), oldest due first.' })
  dueContacts(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('ownerId', () => ID, { nullable: true }) ownerId?: string,
    @Arg('before', () => Date, { nullable: true }) before?: Date,
  ): Promise<Connection<Customer>> {
    return dueContacts(ctx, { first, after, ownerId, before });
  }

  @Authorized(...may.handleCare)
  @Mutation(() => CareTask, { description: "Marks a care task DONE (a repeating one's next occurrence follows until its subject is settled)." })
  async completeCareTask(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel, { nullable: true }) channel?: Channel,
    @Arg('note', () => String, { nullable: true }) note?: string,
  ): Promise<CareTask> {
    const outbox = new Outbox();
    await withRetries(ctx.em, (tx) => completeCareTask(tx, outbox, ctx.viewer, id, channel ?? null, note, ctx.clock.now()));
    await outbox.publish(ctx.bus);
    return requireTask(ctx, id);
  }

  @Authorized(...may.handleCare)
  @Mutation(() => CareTask, { description: 'Cancels an open care task, with the reason.' })
  async cancelCareTask(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: Context): Promise<CareTask> {
    const outbox = new Outbox();
    await withRetries(ctx.em, (tx) => cancelCareTask(tx, outbox, ctx.viewer, id, reason, ctx.clock.now()));
    await outbox.publish(ctx.bus);
    return requireTask(ctx, id);
  }

  @Authorized(...may.readCare)
  @Subscription(() => CareTask, {
    description: 'Care tasks as they fall due (careTaskNoticeHours before dueAt) and as they become overdue, once each (of one owner with ownerId).',
    subscribe: dueOf,
  })
  careTaskDue(@Root() id: string, @Ctx() ctx: Context, @Arg('ownerId', () => ID, { nullable: true }) _ownerId?: string): Promise<CareTask> {
    return requireTask(ctx, id);
  }

  @FieldResolver(() => Customer)
  customer(@Root() task: CareTask, @Ctx() ctx: Context): Promise<Customer> {
    return requireLiveCustomer(ctx, task.customerId);
  }

  @FieldResolver(() => Playbook, { nullable: true })
  playbook(@Root() task: CareTask, @Ctx() ctx: Context): Promise<Playbook | null> | null {
    return task.playbookId ? ctx.loaders.byId(Playbook).load(task.playbookId) : null;
  }

  @FieldResolver(() => Agent, { nullable: true, description: "The customer's owner when the task was made; none: for whoever takes it." })
  owner(@Root() task: CareTask, @Ctx() ctx: Context): Promise<Agent | null> | null {
    return task.ownerId ? ctx.loaders.byId(Agent).load(task.ownerId) : null;
  }

  @FieldResolver(() => Boolean, { description: 'OPEN past its due time.' })
  overdue(@Root() task: CareTask, @Ctx() ctx: Context): boolean {
    return task.status === CareTaskStatus.OPEN && task.dueAt < requestNow(ctx);
  }

  @FieldResolver(() => ReplyTemplate, {
    nullable: true,
    description: "The template recommended for the task's scene (and channel), for the customer's tier and stage.",
  })
  async recommendedTemplate(@Root() task: CareTask, @Ctx() ctx: Context): Promise<ReplyTemplate | null> {
    const [best] = await recommendTemplates(ctx, await requireLiveCustomer(ctx, task.customerId), task.scene, task.channel);
    return best ?? null;
  }

  @FieldResolver(() => Contactability, {
    nullable: true,
    description: "Whether a care contact may reach the customer on the task's channel now; null for a task on no channel.",
  })
  async contactability(@Root() task: CareTask, @Ctx() ctx: Context): Promise<Contactability | null> {
    if (!task.channel) return null;
    const customer = await requireLiveCustomer(ctx, task.customerId);
    return careContactabilityOf(ctx, customer.id, task.channel, requestNow(ctx));
  }
}

@Resolver(() => Customer)
export class CustomerCareTasksResolver {
  @FieldResolver(() => CareTaskConnection, { description: "The customer's care tasks, earliest due first." })
  careTasks(
    @Root() customer: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => CareTaskStatus, { nullable: true }) status?: CareTaskStatus,
  ): Promise<Connection<CareTask>> {
    return customerCareTasksOf(ctx).load({ customerId: customer.id, first, after, status });
  }

  @FieldResolver(() => DueContact, { nullable: true, description: "The contact the tier's cadence asks for next; null when none applies." })
  dueContact(@Root() customer: Customer, @Ctx() ctx: Context): Promise<DueContact | null> {
    return dueContactOf(ctx, customer);
  }
}
