import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { fromRows } from '../../db/rows';
import { readByKey } from '../../db/sql';
import { countLater, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { CareTaskStatus, Channel, ContactPurpose } from '../../graphql/enums';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import { Customer } from '../customer/customer.entity';
import { careContactabilityOf, recommendChannel, requestNow, settingsOf } from '../preference/preference.loaders';
import { QueueErrors } from '../queue/queue.errors';
import { CareErrors } from './care.errors';
import type { CareTaskFilter } from './care.input';
import { CareTask } from './care-task.entity';
import { statsStatement } from './care-task.sql';
import { dueContactsStatement, dueCountStatement } from './care.sql';
import { nextContact } from './cadence.rules';
import type { DueContact } from './care.types';
import type { PlaybookStats } from './playbook.types';

const byDue = isKeyset('time');

/** A WHERE clause built up condition by condition, each with its bound values. */
function conditions(first: string, ...values: unknown[]) {
  const where = [first];
  const params: unknown[] = [...values];
  const and = (condition: string, ...bound: unknown[]) => {
    where.push(condition);
    params.push(...bound);
  };
  return { where, params, and };
}

/** A page of rows ordered by a time and id, as a connection whose cursors carry the exact time text (`sort_key`). */
function keysetPage<T extends object>(
  rows: (Record<string, unknown> & { sort_key: string })[],
  map: (row: Record<string, unknown>) => T,
  page: { first: number; after?: Keyset },
  total: () => Promise<number>,
) {
  const keys = new Map<T, Keyset>();
  const nodes = rows.map((row) => {
    const node = map(row);
    keys.set(node, [row.sort_key, (node as { id: string }).id]);
    return node;
  });
  return toConnection(nodes, page, (node) => keys.get(node), total);
}

/** The workspace's care tasks, earliest due first, filtered. */
export async function listCareTasks(
  ctx: Context,
  first: number | null | undefined,
  after: string | null | undefined,
  filter: CareTaskFilter | null | undefined,
): Promise<Connection<CareTask>> {
  const page = parsePage(first, after, byDue);
  const { where, params, and } = conditions('t.workspace_id = ?', ctx.viewer.workspaceId);
  const now = requestNow(ctx);
  if (filter?.status?.length) and('t.status = any(?)', filter.status);
  if (filter?.ownerId) and('t.owner_id = ?', isUuid(filter.ownerId) ? filter.ownerId : null);
  if (filter?.playbookId) and('t.playbook_id = ?', isUuid(filter.playbookId) ? filter.playbookId : null);
  if (filter?.dueBefore) and('t.due_at < ?', filter.dueBefore);
  if (filter?.overdue === true) and(`t.status = 'OPEN' and t.due_at < ?`, now);
  if (filter?.overdue === false) and(`not (t.status = 'OPEN' and t.due_at < ?)`, now);
  const total = countLater(ctx.em, 'care_task t', where, params);
  if (page.after) and('(t.due_at, t.id) > (?::timestamptz, ?::uuid)', ...page.after);
  const rows = await readByKey<Record<string, unknown> & { sort_key: string }>(
    ctx.em,
    `select t.*, ${keyText('t.due_at', 'time')} sort_key from care_task t where ${where.join(' and ')} order by t.due_at, t.id limit ?`,
    [...params, page.first + 1],
  );
  return keysetPage(rows, fromRows(ctx.em, CareTask), page, total);
}

interface CustomerTasksKey {
  customerId: string;
  first?: number | null;
  after?: string | null;
  status?: CareTaskStatus | null;
}

/** Each customer's care tasks (those of customers merged into it too), earliest due first; keys that share their arguments cost one statement. */
export const customerCareTasksOf = (ctx: Context) =>
  ctx.loaders.named<CustomerTasksKey, Connection<CareTask>>(
    'customerCareTasks',
    async (keys) => {
      const answers = new Map<string, Connection<CareTask>>();
      const groups = new Map<string, CustomerTasksKey[]>();
      for (const key of keys) {
        const args = JSON.stringify([key.first, key.after, key.status]);
        groups.set(args, [...(groups.get(args) ?? []), key]);
      }
      const toTask = fromRows(ctx.em, CareTask);
      for (const group of groups.values()) {
        const { first, after, status } = group[0];
        const page = parsePage(first, after, byDue);
        const rows = await readByKey<Record<string, unknown> & { root: string; total: number; sort_key: string }>(
          ctx.em,
          `select * from (
             select y.*, row_number() over (partition by y.root order by y.due_at, y.id) as rank from (
               select t.*, ${keyText('t.due_at', 'time')} sort_key, r.id as root, count(*) over (partition by r.id)::int as total
               from unnest(?::uuid[]) r(id) join customer m on m.workspace_id = ? and (m.id = r.id or m.merged_into_id = r.id)
               join care_task t on t.workspace_id = m.workspace_id and t.customer_id = m.id
               where (?::text is null or t.status = ?)
             ) y where (?::timestamptz is null or (y.due_at, y.id) > (?::timestamptz, ?::uuid))
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
          answers.set(
            JSON.stringify(key),
            keysetPage(mine, toTask, page, async () => mine[0]?.total ?? 0),
          );
        }
      }
      return keys.map((key) => answers.get(JSON.stringify(key))!);
    },
    (key) => JSON.stringify(key),
  );

/**
 * Live customers whose cadence asks for a contact before `before`, earliest due first, of one
 * owner or of the whole workspace: a walk along an index in due order.
 */
export async function dueContacts(
  ctx: Context,
  args: { first?: number | null; after?: string | null; ownerId?: string | null; before?: Date | null },
): Promise<Connection<Customer>> {
  const page = parsePage(args.first, args.after, byDue);
  const ws = ctx.viewer.workspaceId;
  if (args.ownerId) {
    const [agent] = isUuid(args.ownerId) ? await readByKey(ctx.em, `select 1 from agent where workspace_id = ? and id = ?`, [ws, args.ownerId]) : [];
    if (!agent) throw QueueErrors.agentNotFound(args.ownerId);
  }
  const before = args.before ?? requestNow(ctx);
  const ownerId = args.ownerId ?? null;
  const count = dueCountStatement(ws, before, ownerId);
  const total = async () => (await readByKey<{ total: number }>(ctx.em, count.text, count.params ?? []))[0].total;
  const { text, params } = dueContactsStatement(ws, { before, ownerId, after: page.after ?? null, limit: page.first + 1 });
  const rows = await readByKey<Record<string, unknown> & { sort_key: string }>(ctx.em, text, params ?? []);
  return keysetPage(rows, fromRows(ctx.em, Customer), page, total);
}

/** The contact a customer's cadence asks for next, on which channel, and the first moment it may happen. */
export async function dueContactOf(ctx: Context, customer: Customer): Promise<DueContact | null> {
  const settings = await settingsOf(ctx);
  const next = nextContact(
    customer.valueTier,
    { lastContactAt: customer.lastContactAt ?? null, lastDedicatedContactAt: customer.lastDedicatedContactAt ?? null, since: customer.createdAt },
    settings.contactCadences,
  );
  if (!next) return null;
  const now = requestNow(ctx);
  const channel = next.dedicated ? Channel.PHONE : await recommendChannel(ctx, customer.id, ContactPurpose.SERVICE);
  const at = next.at > now ? next.at : now;
  const contactability = channel ? await careContactabilityOf(ctx, customer.id, channel, at) : null;
  const recommendedAt = !contactability ? null : contactability.allowed ? at : contactability.nextAllowedAt;
  return { dueAt: next.at, dedicated: next.dedicated, channel, contactability, recommendedAt };
}

/** Each playbook's task counts, one statement for all asked. */
export const playbookStatsOf = (ctx: Context) =>
  ctx.loaders.named<string, PlaybookStats>('playbookStats', async (ids) => {
    const { text, params } = statsStatement(ctx.viewer.workspaceId, ids, requestNow(ctx));
    const rows = await readByKey<Record<string, number | string>>(ctx.em, text, params ?? []);
    const byId = new Map(rows.map((row) => [row.playbook_id as string, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      const [tasks, done, doneOnTime, overdue] = [row?.tasks, row?.done, row?.done_on_time, row?.overdue].map((n) => Number(n ?? 0));
      return { tasks, done, doneOnTime, overdue, onTimeRate: done ? doneOnTime / done : null };
    });
  });

/** A task by id in the viewer's workspace, or NOT_FOUND. */
export async function requireTask(ctx: Context, id: string): Promise<CareTask> {
  const task = isUuid(id) ? await ctx.loaders.byId(CareTask).load(id) : null;
  if (!task) throw CareErrors.taskNotFound(id);
  return task;
}
