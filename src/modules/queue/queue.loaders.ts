import type { Context } from '../../context';
import { sql } from '../../db/sql';
import { getWorkspace } from '../workspace/workspace.service';
import { Agent } from './agent.entity';
import type { QueueStats } from './queue.types';
import { Queue } from './queue.entity';
import { queueStats } from './queue.sql';

/** Live stats of many queues, one statement for all (plus the workspace's time zone, once). */
export const statsOf = (ctx: Context) =>
  ctx.loaders.named<string, QueueStats>('queueStats', async (queueIds) => {
    const { settings } = await getWorkspace(ctx.em, ctx.viewer.workspaceId);
    const stats = await queueStats(ctx.em, ctx.viewer.workspaceId, queueIds, ctx.clock.now(), settings.timezone);
    return queueIds.map((id) => stats.get(id)!);
  });

const membership = async (ctx: Context, column: 'agent_id' | 'queue_id', ids: readonly string[]) =>
  sql<{ agent_id: string; queue_id: string }>(ctx.em, `select agent_id, queue_id from agent_queue where workspace_id = ? and ${column} = any(?::uuid[])`, [
    ctx.viewer.workspaceId,
    [...ids],
  ]);

/** The member agents of each queue, by name. */
export const agentsOfQueue = (ctx: Context) =>
  ctx.loaders.named<string, Agent[]>('agentsOfQueue', async (queueIds) => {
    const links = await membership(ctx, 'queue_id', queueIds);
    const agents = await ctx.em.find(Agent, { id: { $in: [...new Set(links.map((link) => link.agent_id))] } }, { orderBy: { name: 'asc', id: 'asc' } });
    return queueIds.map((queueId) => agents.filter((agent) => links.some((link) => link.queue_id === queueId && link.agent_id === agent.id)));
  });

/** The queues each agent serves, by name. */
export const queuesOfAgentLoader = (ctx: Context) =>
  ctx.loaders.named<string, Queue[]>('queuesOfAgent', async (agentIds) => {
    const links = await membership(ctx, 'agent_id', agentIds);
    const queues = await ctx.em.find(Queue, { id: { $in: [...new Set(links.map((link) => link.queue_id))] } }, { orderBy: { name: 'asc', id: 'asc' } });
    return agentIds.map((agentId) => queues.filter((queue) => links.some((link) => link.agent_id === agentId && link.queue_id === queue.id)));
  });
