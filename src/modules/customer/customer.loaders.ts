import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { readByKey } from '../../db/sql';
import { parsePage, toConnection, type Connection } from '../../graphql/connection';
import { CustomerMerge } from './customer-merge.entity';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import { Customer } from './customer.entity';
import { Event } from './event.entity';
import { Identity } from './identity.entity';
import { CustomerErrors } from './customer.errors';

const groupBy = <T>(rows: T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};

// These loaders probe by key planned for any workspace (readByKey), so a workspace the statistics
// do not know yet is not scanned whole. Through the ORM, which writes values into the SQL text, they
// could not be. Row-level security lets only leakproof expressions reach an index of a joined
// table (coalesce is not one; case is), so the survivor is chosen with case.

/** Live customers by id; an absorbed id resolves to its survivor, an erased or unknown one to null. */
export const liveCustomer = (ctx: Context) =>
  ctx.loaders.named<string, Customer | null>('liveCustomer', async (ids) => {
    const rows = await readByKey<Record<string, unknown> & { requested: string }>(
      ctx.em,
      `select c.*, r.id as requested from customer r join customer c on c.workspace_id = r.workspace_id and c.id = case when r.merged_into_id is null then r.id else r.merged_into_id end
       where r.workspace_id = ? and r.id = any(?::uuid[]) and c.erased_at is null`,
      [ctx.viewer.workspaceId, ids.filter(isUuid)],
    );
    const byRequested = new Map(rows.map(({ requested, ...row }) => [requested, ctx.em.map(Customer, row)]));
    return ids.map((id) => byRequested.get(id) ?? null);
  });

/** The live customer an id resolves to, for an answer that must be one (a mutation's, a non-null field): NOT_FOUND when there is none. */
export async function requireLiveCustomer(ctx: Context, id: string): Promise<Customer> {
  const customer = await liveCustomer(ctx).load(id);
  if (!customer) throw CustomerErrors.notFound(id);
  return customer;
}

export const identitiesOf = (ctx: Context) =>
  ctx.loaders.named<string, Identity[]>('identitiesOf', async (customerIds) => {
    const rows = await readByKey(ctx.em, `select * from identity where workspace_id = ? and customer_id = any(?::uuid[]) order by first_seen_at, id`, [
      ctx.viewer.workspaceId,
      customerIds,
    ]);
    const groups = groupBy(
      rows.map((row) => ctx.em.map(Identity, row)),
      (row) => row.customerId,
    );
    return customerIds.map((id) => groups.get(id) ?? []);
  });

export const mergesOf = (ctx: Context) =>
  ctx.loaders.named<string, CustomerMerge[]>('mergesOf', async (customerIds) => {
    const rows = await readByKey(
      ctx.em,
      `select * from customer_merge where workspace_id = ? and (survivor_id = any(?::uuid[]) or absorbed_id = any(?::uuid[])) order by at desc, id desc`,
      [ctx.viewer.workspaceId, customerIds, customerIds],
    );
    const merges = rows.map((row) => ctx.em.map(CustomerMerge, row));
    return customerIds.map((id) => merges.filter((row) => row.survivorId === id || row.absorbedId === id));
  });

export interface EventsKey {
  customerId: string;
  first?: number | null;
  after?: string | null;
  type?: string | null;
}

/**
 * A page of each customer's events, newest first. Keys that share their paging arguments are
 * answered by one windowed query, so a list of customers costs one statement for all their events.
 */
export const eventsOf = (ctx: Context) =>
  ctx.loaders.named<EventsKey, Connection<Event>>(
    'eventsOf',
    async (keys) => {
      const answers = new Map<string, Connection<Event>>();
      for (const [args, group] of groupBy([...keys], (key) => JSON.stringify([key.first, key.after, key.type]))) {
        const page = parsePage(group[0].first, group[0].after, isKeyset('time'));
        const after = page.after;
        const rows = await pageOfEvents(
          ctx.em,
          ctx.viewer.workspaceId,
          group.map((key) => key.customerId),
          page.first + 1,
          after,
          group[0].type ?? null,
        );
        const byCustomer = groupBy(rows, (row) => row.event.customerId!);
        for (const key of group) {
          const events = byCustomer.get(key.customerId) ?? [];
          const keyOf = new Map(events.map((row) => [row.event, row.key]));
          answers.set(
            `${key.customerId}|${args}`,
            toConnection(
              events.map((row) => row.event),
              page,
              (event) => keyOf.get(event),
            ),
          );
        }
      }
      return keys.map((key) => answers.get(`${key.customerId}|${JSON.stringify([key.first, key.after, key.type])}`)!);
    },
    (key) => JSON.stringify([key.customerId, key.first, key.after, key.type]),
  );

async function pageOfEvents(
  em: EntityManager,
  workspaceId: string,
  customerIds: string[],
  limit: number,
  after: Keyset | undefined,
  type: string | null,
): Promise<{ event: Event; key: Keyset }[]> {
  const rows = await readByKey<Record<string, unknown> & { sort_key: string }>(
    em,
    `select * from (
       select e.*, ${keyText('e.occurred_at', 'time')} sort_key,
              row_number() over (partition by e.customer_id order by e.occurred_at desc, e.id desc) n
       from event e
       where e.workspace_id = ? and e.customer_id = any(?::uuid[])
         and (?::text is null or e.type = ?)
         and (?::timestamptz is null or (e.occurred_at, e.id) < (?::timestamptz, ?::uuid))
     ) ranked where n <= ? order by customer_id, n`,
    [workspaceId, customerIds, type, type, after?.[0] ?? null, after?.[0] ?? null, after?.[1] ?? null, limit],
  );
  // read-only rows: plain objects of the Event shape, without the ORM's hydration and identity map
  return rows.map((row) => {
    const event = Object.assign(Object.create(Event.prototype) as Event, {
      id: row.id as string,
      customerId: row.customer_id as string,
      messageId: row.message_id as string,
      type: row.type as string,
      properties: row.properties as Record<string, unknown>,
      revenue: row.revenue === null ? null : Number(row.revenue),
      channel: row.channel as Event['channel'],
      occurredAt: new Date(row.occurred_at as string),
      receivedAt: new Date(row.received_at as string),
    });
    return { event, key: [row.sort_key, event.id] as Keyset };
  });
}
