import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import { countLater } from '../../graphql/connection';
import { isCursorTime, parsePage, toConnection, type Connection } from '../../graphql/connection';
import type { ConversationStatus } from '../../graphql/enums';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import { Conversation } from './conversation.entity';

export interface ConversationFilter {
  status?: ConversationStatus | null;
  queueId?: string | null;
  assigneeId?: string | null;
}

/** The workspace's conversations, newest first, filtered, in keyset pages, with the total that matches. */
export async function listConversations(
  ctx: Context,
  args: ConversationFilter & { first?: number | null; after?: string | null },
): Promise<Connection<Conversation>> {
  const page = parsePage(args.first, args.after, isKeyset('time'));
  const after = page.after;
  const where = ['workspace_id = ?'];
  const params: unknown[] = [ctx.viewer.workspaceId];
  for (const [column, value] of [
    ['queue_id', args.queueId],
    ['assignee_id', args.assigneeId],
  ] as const) {
    if (!value) continue;
    if (!isUuid(value)) return toConnection([], page, () => null, 0);
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (args.status) {
    where.push('status = ?');
    params.push(args.status);
  }
  const total = countLater(ctx.em, 'conversation', where, params);
  if (after) {
    where.push('(created_at, id) < (?::timestamptz, ?::uuid)');
    params.push(...after);
  }
  const rows = await sql<Record<string, unknown> & { sort_key: string }>(
    ctx.em,
    `select *, ${keyText('created_at', 'time')} sort_key from conversation where ${where.join(' and ')} order by created_at desc, id desc limit ?`,
    [...params, page.first + 1],
  );
  const keys = new Map<Conversation, Keyset>();
  const nodes = rows.map(({ sort_key, ...row }) => {
    const node = ctx.em.map(Conversation, row);
    keys.set(node, [sort_key, node.id]);
    return node;
  });
  return toConnection(nodes, page, (node) => keys.get(node), total);
}

/** A cursor of a queue's line: [rank, enqueued at (exact text), id]. */
type LineKey = [number, string, string];

const isLineKey = (key: unknown): key is LineKey =>
  Array.isArray(key) &&
  key.length === 3 &&
  Number.isInteger(key[0]) &&
  Math.abs(key[0]) < 2 ** 31 &&
  isCursorTime(key[1]) &&
  typeof key[2] === 'string' &&
  isUuid(key[2]);

/** Checks `Queue.waiting` paging before the loader runs. */
export function checkLinePage(first: number | null | undefined, after: string | null | undefined): void {
  parsePage(first, after, isLineKey);
}

export interface LineKeyArgs {
  queueId: string;
  first?: number | null;
  after?: string | null;
}

/** Each queue's waiting conversations in routing order (effective priority, then age); one statement for all queues that share paging arguments. */
export const waitingOf = (ctx: Context) =>
  ctx.loaders.named<LineKeyArgs, Connection<Conversation>>(
    'waitingOf',
    async (keys) => {
      const answers = new Map<string, Connection<Conversation>>();
      const args = (key: LineKeyArgs) => JSON.stringify([key.first, key.after]);
      const groups = new Map<string, LineKeyArgs[]>();
      for (const key of keys) groups.set(args(key), [...(groups.get(args(key)) ?? []), key]);
      for (const group of groups.values()) {
        const page = parsePage(group[0].first, group[0].after, isLineKey);
        const after = page.after;
        const rows = await sql<Record<string, unknown> & { sort_key: string; n: number; total_count: number }>(
          ctx.em,
          `select * from (
             select t.*, row_number() over (partition by t.queue_id order by t.rank, t.enqueued_at, t.id) n from (
               select c.*, ${keyText('c.enqueued_at', 'time')} sort_key, (count(*) over (partition by c.queue_id))::int total_count
               from conversation c where c.workspace_id = ? and c.queue_id = any(?::uuid[]) and c.status = 'QUEUED'
             ) t where (?::int is null or (t.rank, t.enqueued_at, t.id) > (?::int, ?::timestamptz, ?::uuid))
           ) ranked where n <= ? order by queue_id, n`,
          [
            ctx.viewer.workspaceId,
            group.map((key) => key.queueId).filter(isUuid),
            after?.[0] ?? null,
            after?.[0] ?? null,
            after?.[1] ?? null,
            after?.[2] ?? null,
            page.first + 1,
          ],
        );
        const byQueue = new Map<string, { node: Conversation; key: LineKey }[]>();
        const totals = new Map<string, number>();
        for (const { sort_key, n: _n, total_count, ...row } of rows) {
          const node = ctx.em.map(Conversation, row);
          totals.set(node.queueId!, total_count);
          byQueue.set(node.queueId!, [...(byQueue.get(node.queueId!) ?? []), { node, key: [node.rank, sort_key, node.id] }]);
        }
        for (const key of group) {
          const found = byQueue.get(key.queueId) ?? [];
          const keyOf = new Map(found.map((row) => [row.node, row.key]));
          answers.set(
            `${key.queueId}|${args(key)}`,
            toConnection(
              found.map((row) => row.node),
              page,
              (node) => keyOf.get(node),
              totals.get(key.queueId) ?? 0,
            ),
          );
        }
      }
      return keys.map((key) => answers.get(`${key.queueId}|${args(key)}`)!);
    },
    (key) => JSON.stringify([key.queueId, key.first, key.after]),
  );
