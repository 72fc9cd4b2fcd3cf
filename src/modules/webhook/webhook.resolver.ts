import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { readByKey } from '../../db/sql';
import { may } from '../../graphql/auth';
import { cursorKey, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { DeliveryStatus } from '../../graphql/enums';
import { fromRows } from '../../db/rows';
import { settingsOf } from '../preference/preference.loaders';
import { Webhook, WebhookDelivery } from './webhook.entity';
import { WebhookInput } from './webhook.input';
import { createWebhook, deleteWebhook, testWebhook, updateWebhook } from './webhook.service';
import { CreatedWebhook, WebhookDeliveryConnection } from './webhook.types';

@Resolver(() => Webhook)
export class WebhookResolver {
  @Authorized(...may.administer)
  @Query(() => [Webhook], { description: "The workspace's webhooks." })
  webhooks(@Ctx() ctx: Context): Promise<Webhook[]> {
    return ctx.em.find(Webhook, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  @Authorized(...may.administer)
  @Mutation(() => CreatedWebhook, { description: 'A receiver of the topics given; its signing secret is shown once, here.' })
  async createWebhook(@Arg('input', () => WebhookInput) input: WebhookInput, @Ctx() ctx: Context): Promise<CreatedWebhook> {
    return createWebhook(ctx.em, ctx.viewer, await settingsOf(ctx), input, ctx.clock.now());
  }

  @Authorized(...may.administer)
  @Mutation(() => Webhook, { description: 'Replaces its URL, topics and active flag (active again clears its failures).' })
  async updateWebhook(@Arg('id', () => ID) id: string, @Arg('input', () => WebhookInput) input: WebhookInput, @Ctx() ctx: Context): Promise<Webhook> {
    return updateWebhook(ctx.em, ctx.viewer, await settingsOf(ctx), id, input, ctx.clock.now());
  }

  @Authorized(...may.administer)
  @Mutation(() => Boolean)
  async deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await deleteWebhook(ctx.em, ctx.viewer, id);
    return true;
  }

  @Authorized(...may.administer)
  @Mutation(() => WebhookDelivery, { description: 'Sends a signed ping now and answers its delivery.' })
  async testWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookDelivery> {
    return testWebhook(ctx.em, await settingsOf(ctx), id, ctx.clock.now());
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Its deliveries of the last 7 days, newest first.' })
  async deliveries(
    @Root() webhook: Webhook,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => DeliveryStatus, { nullable: true }) status?: DeliveryStatus,
  ): Promise<Connection<WebhookDelivery>> {
    const page = parsePage(first, after, cursorKey.timeAndId);
    const rows = await readByKey<Record<string, unknown>>(
      ctx.em,
      `select * from webhook_delivery where workspace_id = ? and webhook_id = ? and (?::text is null or status = ?)
         and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid)) order by created_at desc, id desc limit ?`,
      [
        ctx.viewer.workspaceId,
        webhook.id,
        status ?? null,
        status ?? null,
        page.after?.[0] ?? null,
        page.after?.[0] ?? null,
        page.after?.[1] ?? null,
        page.first + 1,
      ],
    );
    return toConnection(rows.map(fromRows(ctx.em, WebhookDelivery)), page, (d) => [d.createdAt.toISOString(), d.id]);
  }
}
