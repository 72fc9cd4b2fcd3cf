import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { may } from '../../graphql/auth';
import { Channel, Scene } from '../../graphql/enums';
import type { Customer } from '../customer/customer.entity';
import { liveCustomer } from '../customer/customer.loaders';
import { ReplyTemplate } from './reply-template.entity';
import { createTemplate, deleteTemplate, listTemplates, renderFor } from './template.service';
import { recommendTemplates } from './template.loaders';
import { RenderedTemplate } from './template.types';
import { ReplyTemplateInput } from './template.input';
import { CustomerErrors } from '../customer/customer.errors';
import { TemplateErrors } from './template.errors';

async function customerOf(ctx: Context, id: string): Promise<Customer> {
  const customer = await liveCustomer(ctx).load(id);
  if (!customer) throw CustomerErrors.notFound(id);
  return customer;
}

@Resolver()
export class TemplateResolver {
  @Authorized(...may.readKnowledge)
  @Query(() => [ReplyTemplate], { description: 'Reply templates, by scene, channel and name.' })
  replyTemplates(
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel, { nullable: true }) channel?: Channel,
    @Arg('scene', () => Scene, { nullable: true }) scene?: Scene,
  ): Promise<ReplyTemplate[]> {
    return listTemplates(ctx.em, { channel, scene });
  }

  @Authorized(...may.readKnowledge)
  @Query(() => [ReplyTemplate], {
    description:
      "Templates of a scene aimed at the customer's stage and tier, on channels the customer may be contacted on now (for the scene's purpose): aimed ones first, then by the customer's preferred channels.",
  })
  async recommendedTemplates(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('scene', () => Scene) scene: Scene,
    @Ctx() ctx: Context,
    @Arg('channel', () => Channel, { nullable: true }) channel?: Channel,
  ): Promise<ReplyTemplate[]> {
    return recommendTemplates(ctx, await customerOf(ctx, customerId), scene, channel);
  }

  @Authorized(...may.readKnowledge)
  @Query(() => RenderedTemplate, {
    description: "A template filled in for a customer: plain text, the placeholders it had no value for, and whether it fits the channel's length.",
  })
  async renderTemplate(
    @Arg('templateId', () => ID) templateId: string,
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() ctx: Context,
  ): Promise<RenderedTemplate> {
    const template = isUuid(templateId) ? await ctx.loaders.byId(ReplyTemplate).load(templateId) : null;
    if (!template) throw TemplateErrors.notFound(templateId);
    return renderFor(template, await customerOf(ctx, customerId));
  }

  @Authorized(...may.manageTemplates)
  @Mutation(() => ReplyTemplate)
  createReplyTemplate(@Arg('input', () => ReplyTemplateInput) input: ReplyTemplateInput, @Ctx() ctx: Context): Promise<ReplyTemplate> {
    return createTemplate(ctx.em, ctx.viewer, input, ctx.clock.now());
  }

  @Authorized(...may.manageTemplates)
  @Mutation(() => Boolean)
  async deleteReplyTemplate(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await deleteTemplate(ctx.em, ctx.viewer, id);
    return true;
  }
}
