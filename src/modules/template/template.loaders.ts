import type { Context } from '../../context';
import type { Channel, Scene } from '../../graphql/enums';
import type { Customer } from '../customer/customer.entity';
import { contactabilityOf, preferencesOf, requestNow } from '../preference/preference.loaders';
import type { ReplyTemplate } from './reply-template.entity';
import { fitsCustomer, listTemplates, purposeOf, specificity } from './template.service';
import { winningTemplates } from '../experiment/experiment.service';

/**
 * Templates of a scene aimed at the customer's stage and tier, on channels the customer may be
 * contacted on now for the scene's purpose: winners of stopped experiments first, then aimed ones,
 * then by the customer's preferred channels.
 */
export async function recommendTemplates(ctx: Context, customer: Customer, scene: Scene, channel?: Channel | null): Promise<ReplyTemplate[]> {
  const candidates = (await listTemplates(ctx.em, { scene, channel })).filter((template) => fitsCustomer(template, customer));
  const now = requestNow(ctx);
  const open = new Set<Channel>();
  for (const used of new Set(candidates.map((template) => template.channel))) {
    if ((await contactabilityOf(ctx, customer.id, used, purposeOf(scene), now)).allowed) open.add(used);
  }
  const preferred = (await preferencesOf(ctx).load(customer.id)).preferredChannels;
  const rank = (c: Channel) => (preferred.includes(c) ? preferred.indexOf(c) : preferred.length);
  const winners = await winningTemplates(ctx.em, ctx.viewer.workspaceId, scene);
  const won = (t: ReplyTemplate) => (winners.includes(t.id) ? 0 : 1);
  return candidates
    .filter((template) => open.has(template.channel))
    .sort((a, b) => won(a) - won(b) || specificity(b) - specificity(a) || rank(a.channel) - rank(b.channel) || a.name.localeCompare(b.name));
}
