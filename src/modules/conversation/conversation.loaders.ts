import type { EntityClass } from '@mikro-orm/core';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { sql } from '../../db/sql';
import { isCursorTime, parsePage, toConnection, type Connection, type Page } from '../../graphql/connection';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import { Conversation } from './conversation.entity';
import { Message } from './message.entity';
import { Transfer } from './transfer.entity';

/** Where a windowed page reads: rows of `table` grouped by `parent`, newest or oldest first by `time`. */
interface Window {
  table: 'conversation' | 'message';
  /** SQL of each row's parent key (a customer's live id, a conversation id). */
  parent: string;
  /** Extra join (for a customer's live id through merges). */
  join?: string;
  /** Restricts rows to the parents (index-friendly), and its parameters. */
  scope: string;
  scopeParams: (workspaceId: string, parents: string[]) => unknown[];
  filter?: { sql: string; value: unknown };
  desc: boolean;
}

/** Rows of a customer, or of customers merged into it (conversations keep the id they were opened with). */
const OF_CUSTOMERS = (alias: string) =>
  `${alias}.customer_id in (select id from customer where workspace_id = ?::uuid and (id = any(?::uuid[]) or merged_into_id = any(?::uuid[])))`;

async function windowed<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  window: Window,
  parents: string[],
  page: Page<unknown>,
  after: Keyset | undefined,
) {
  const ws = ctx.viewer.workspaceId;
  const order = window.desc ? 'desc' : 'asc';
  const rows = await sql<Record<string, unknown> & { parent_key: string; sort_key: string; n: number; total_count: number }>(
    ctx.em,
    `select * from (
       select t.*, row_number() over (partition by t.parent_key order by t.created_at ${order}, t.id ${order}) n from (
         select x.*, ${window.parent} parent_key, ${keyText('x.created_at', 'time')} sort_key, (count(*) over (partition by ${window.parent}))::int total_count
         from ${window.table} x ${window.join ?? ''}
         where x.workspace_id = ? and ${window.scope} ${window.filter ? `and ${window.filter.sql}` : ''}
       ) t where (?::timestamptz is null or (t.created_at, t.id) ${window.desc ? '<' : '>'} (?::timestamptz, ?::uuid))
     ) ranked where n <= ? order by parent_key, n`,
    [
      ws,
      ...window.scopeParams(ws, parents),
      ...(window.filter ? [window.filter.value] : []),
      after?.[0] ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      page.first + 1,
    ],
  );
  const byParent = new Map<string, { node: T; key: Keyset }[]>();
  const totals = new Map<string, number>();
  for (const { parent_key, sort_key, n: _n, total_count, ...row } of rows) {
    const node = ctx.em.map(entity, row as never);
    byParent.set(parent_key, [...(byParent.get(parent_key) ?? []), { node, key: [sort_key, (row as { id: string }).id] }]);
    totals.set(parent_key, total_count);
  }
  const missing = parents.filter((parent) => !totals.has(parent));
  if (after && missing.length) {
    // pages past the end: their totals still count every row
    const counts = await sql<{ parent_key: string; total: number }>(
      ctx.em,
      `select ${window.parent} parent_key, count(*)::int total from ${window.table} x ${window.join ?? ''}
       where x.workspace_id = ? and ${window.scope} ${window.filter ? `and ${window.filter.sql}` : ''} group by 1`,
      [ws, ...window.scopeParams(ws, missing), ...(window.filter ? [window.filter.value] : [])],
    );
    for (const row of counts) totals.set(row.parent_key, row.total);
  }
  return { byParent, totals };
}

export interface PageKey {
  parentId: string;
  first?: number | null;
  after?: string | null;
  filter?: string | null;
}

/** Checks paging arguments before a loader sees them, so errors belong to the field asked. */
export function checkPage(first: number | null | undefined, after: string | null | undefined): void {
  parsePage(first, after, isKeyset('time'));
}

/** A loader answering pages of many parents that share paging arguments with one statement. */
const pagedLoader = <T extends object>(ctx: Context, name: string, entity: EntityClass<T>, window: (filter: string | null) => Window) =>
  ctx.loaders.named<PageKey, Connection<T>>(
    name,
    async (keys) => {
      const args = (key: PageKey) => JSON.stringify([key.first, key.after, key.filter]);
      const answers = new Map<string, Connection<T>>();
      const groups = new Map<string, PageKey[]>();
      for (const key of keys) groups.set(args(key), [...(groups.get(args(key)) ?? []), key]);
      for (const group of groups.values()) {
        const page = parsePage(group[0].first, group[0].after, isKeyset('time'));
        const after = page.after;
        const parents = [...new Set(group.map((key) => key.parentId))].filter(isUuid);
        const { byParent, totals } = parents.length
          ? await windowed(ctx, entity, window(group[0].filter ?? null), parents, page, after)
          : { byParent: new Map(), totals: new Map() };
        for (const key of group) {
          const found: { node: T; key: Keyset }[] = byParent.get(key.parentId) ?? [];
          const keyOf = new Map(found.map((row) => [row.node, row.key]));
          answers.set(
            `${key.parentId}|${args(key)}`,
            toConnection(
              found.map((row) => row.node),
              page,
              (node) => keyOf.get(node),
              totals.get(key.parentId) ?? 0,
            ),
          );
        }
      }
      return keys.map((key) => answers.get(`${key.parentId}|${args(key)}`)!);
    },
    (key) => JSON.stringify([key.parentId, key.first, key.after, key.filter]),
  );

/** A customer's conversations, newest first (status filter optional). */
export const conversationsOfCustomer = (ctx: Context) =>
  pagedLoader(ctx, 'conversationsOfCustomer', Conversation, (status) => ({
    table: 'conversation',
    parent: 'coalesce(c.merged_into_id, c.id)',
    join: 'join customer c on c.workspace_id = x.workspace_id and c.id = x.customer_id',
    scope: OF_CUSTOMERS('x'),
    scopeParams: (ws, parents) => [ws, parents, parents],
    filter: status ? { sql: 'x.status = ?', value: status } : undefined,
    desc: true,
  }));

/** Every message of a customer across conversations and channels, newest first (channel filter optional). */
export const timelineOfCustomer = (ctx: Context) =>
  pagedLoader(ctx, 'timelineOfCustomer', Message, (channel) => ({
    table: 'message',
    parent: 'coalesce(c.merged_into_id, c.id)',
    join: 'join customer c on c.workspace_id = x.workspace_id and c.id = x.customer_id',
    scope: OF_CUSTOMERS('x'),
    scopeParams: (ws, parents) => [ws, parents, parents],
    filter: channel ? { sql: 'x.channel = ?', value: channel } : undefined,
    desc: true,
  }));

/** A conversation's messages, oldest first (the order they are read in). */
export const messagesOfConversation = (ctx: Context) =>
  pagedLoader(ctx, 'messagesOfConversation', Message, () => ({
    table: 'message',
    parent: 'x.conversation_id',
    scope: 'x.conversation_id = any(?::uuid[])',
    scopeParams: (_ws, parents) => [parents],
    desc: false,
  }));

export const transfersOf = (ctx: Context) =>
  ctx.loaders.named<string, Transfer[]>('transfersOf', async (conversationIds) => {
    const rows = await ctx.em.find(Transfer, { conversationId: { $in: [...conversationIds] } }, { orderBy: { at: 'asc', id: 'asc' } });
    return conversationIds.map((id) => rows.filter((row) => row.conversationId === id));
  });

export const conversationById = (ctx: Context) => ctx.loaders.byId(Conversation);

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
