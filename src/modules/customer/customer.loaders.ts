import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { fromRows } from '../../db/rows';
import { parsePage, toConnection, type Connection, type Page } from '../../graphql/connection';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import type { SelectedField } from '../../graphql/selection';
import { CustomerMerge } from './customer-merge.entity';
import { Customer } from './customer.entity';
import { Event } from './event.entity';
import { Identity } from './identity.entity';
import { CustomerErrors } from './customer.errors';

const groupBy = <T>(rows: T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};

// These loaders read through ctx.loaders.read: probes planned for any workspace, so a workspace
// the statistics do not know yet is not scanned whole, and all of a request's reads of one turn in
// one round trip. Row-level security lets only leakproof expressions reach an index of a joined
// table (coalesce is not one; case is), so the survivor is chosen with case.
const SURVIVOR = 'case when r.merged_into_id is null then r.id else r.merged_into_id end';

/**
 * The customers a read is for: ids bound as one array, or the customer that one requested id
 * resolves to, found inside the same statement (so it needs no round trip before it).
 */
interface CustomerIds {
  sql: string;
  params: unknown[];
}
const these = (ids: readonly string[]): CustomerIds => ({ sql: '?::uuid[]', params: [ids] });
const resolvedFrom = (workspaceId: string, id: string): CustomerIds => ({
  sql: `array(select ${SURVIVOR} from customer r where r.workspace_id = ? and r.id = ?::uuid)`,
  params: [workspaceId, id],
});

/** Live customers by id; an absorbed id resolves to its survivor, an erased or unknown one to null. */
export const liveCustomer = (ctx: Context) =>
  ctx.loaders.named<string, Customer | null>('liveCustomer', async (ids) => {
    const rows = await ctx.loaders.read<Record<string, unknown> & { requested: string }>(
      `select c.*, r.id as requested from customer r join customer c on c.workspace_id = r.workspace_id and c.id = ${SURVIVOR}
       where r.workspace_id = ? and r.id = any(?::uuid[]) and c.erased_at is null`,
      [ctx.viewer.workspaceId, ids.filter(isUuid)],
    );
    const toCustomer = fromRows(ctx.em, Customer);
    const byRequested = new Map(rows.map((row) => [row.requested, toCustomer(row)]));
    return ids.map((id) => byRequested.get(id) ?? null);
  });

/** The live customer an id resolves to, for an answer that must be one (a mutation's, a non-null field): NOT_FOUND when there is none. */
export async function requireLiveCustomer(ctx: Context, id: string): Promise<Customer> {
  const customer = await liveCustomer(ctx).load(id);
  if (!customer) throw CustomerErrors.notFound(id);
  return customer;
}

const identityRows = async (ctx: Context, customers: CustomerIds): Promise<Identity[]> =>
  (
    await ctx.loaders.read(`select * from identity where workspace_id = ? and customer_id = any(${customers.sql}) order by first_seen_at, id`, [
      ctx.viewer.workspaceId,
      ...customers.params,
    ])
  ).map(fromRows(ctx.em, Identity));

export const identitiesOf = (ctx: Context) =>
  ctx.loaders.named<string, Identity[]>('identitiesOf', async (customerIds) => {
    const groups = groupBy(await identityRows(ctx, these(customerIds)), (row) => row.customerId);
    return customerIds.map((id) => groups.get(id) ?? []);
  });

const mergeRows = async (ctx: Context, customers: CustomerIds): Promise<CustomerMerge[]> =>
  (
    await ctx.loaders.read(
      `select * from customer_merge where workspace_id = ? and (survivor_id = any(${customers.sql}) or absorbed_id = any(${customers.sql})) order by at desc, id desc`,
      [ctx.viewer.workspaceId, ...customers.params, ...customers.params],
    )
  ).map(fromRows(ctx.em, CustomerMerge));

const mergesFor = (merges: CustomerMerge[], id: string) => merges.filter((row) => row.survivorId === id || row.absorbedId === id);

export const mergesOf = (ctx: Context) =>
  ctx.loaders.named<string, CustomerMerge[]>('mergesOf', async (customerIds) => {
    const merges = await mergeRows(ctx, these(customerIds));
    return customerIds.map((id) => mergesFor(merges, id));
  });

export interface EventsKey {
  customerId: string;
  first?: number | null;
  after?: string | null;
  type?: string | null;
}

const eventsCacheKey = (key: EventsKey) => JSON.stringify([key.customerId, key.first, key.after, key.type]);
const pageArgs = (key: EventsKey) => JSON.stringify([key.first, key.after, key.type]);

/**
 * A page of each customer's events, newest first. Keys that share their paging arguments are
 * answered by one windowed query, so a list of customers costs one statement for all their events.
 */
export const eventsOf = (ctx: Context) =>
  ctx.loaders.named<EventsKey, Connection<Event>>(
    'eventsOf',
    async (keys) => {
      const answers = new Map<string, Connection<Event>>();
      await Promise.all(
        [...groupBy([...keys], pageArgs).values()].map(async (group) => {
          const page = parsePage(group[0].first, group[0].after, isKeyset('time'));
          const pages = await eventPages(ctx, these(group.map((key) => key.customerId)), page, group[0].type ?? null);
          for (const key of group) answers.set(eventsCacheKey(key), pages(key.customerId));
        }),
      );
      return keys.map((key) => answers.get(eventsCacheKey(key))!);
    },
    eventsCacheKey,
  );

/** One windowed read of the customers' pages of events; answers each customer's connection. */
async function eventPages(ctx: Context, customers: CustomerIds, page: Page<Keyset>, type: string | null): Promise<(customerId: string) => Connection<Event>> {
  const after = page.after;
  const rows = await ctx.loaders.read<Record<string, unknown> & { sort_key: string }>(
    `select * from (
       select e.*, ${keyText('e.occurred_at', 'time')} sort_key,
              row_number() over (partition by e.customer_id order by e.occurred_at desc, e.id desc) n
       from event e
       where e.workspace_id = ? and e.customer_id = any(${customers.sql})
         and (?::text is null or e.type = ?)
         and (?::timestamptz is null or (e.occurred_at, e.id) < (?::timestamptz, ?::uuid))
     ) ranked where n <= ? order by customer_id, n`,
    [ctx.viewer.workspaceId, ...customers.params, type, type, after?.[0] ?? null, after?.[0] ?? null, after?.[1] ?? null, page.first + 1],
  );
  const toEvent = fromRows(ctx.em, Event);
  const keys = new Map<Event, Keyset>();
  const byCustomer = groupBy(
    rows.map((row) => {
      const event = toEvent(row);
      keys.set(event, [row.sort_key, event.id]);
      return event;
    }),
    (event) => event.customerId!,
  );
  return (customerId) => toConnection(byCustomer.get(customerId) ?? [], page, (event) => keys.get(event));
}

/**
 * A customer by id with the nested fields selected on it (identities, events, merges) read in the
 * same round trip, keyed by the id requested, and put in the loaders their field resolvers ask: the
 * fields still resolve, and check access, as on every other path.
 */
export async function readCustomerAhead(ctx: Context, id: string, selection: SelectedField[]): Promise<Customer | null> {
  if (!isUuid(id)) return liveCustomer(ctx).load(id);
  const customers = resolvedFrom(ctx.viewer.workspaceId, id);
  const primes: Promise<(customer: Customer) => void>[] = [];
  const wanted = new Set(selection.map((field) => field.name));
  if (wanted.has('identities')) primes.push(identityRows(ctx, customers).then((rows) => (customer) => identitiesOf(ctx).prime(customer.id, rows)));
  if (wanted.has('merges')) primes.push(mergeRows(ctx, customers).then((rows) => (customer) => mergesOf(ctx).prime(customer.id, mergesFor(rows, customer.id))));
  for (const field of selection.filter((field) => field.name === 'events')) {
    const args = field.args as Omit<EventsKey, 'customerId'>;
    let page: Page<Keyset>;
    try {
      page = parsePage(args.first, args.after, isKeyset('time'));
    } catch {
      continue; // the field resolver answers the error
    }
    primes.push(
      eventPages(ctx, customers, page, args.type ?? null).then(
        (pages) => (customer) => eventsOf(ctx).prime({ ...args, customerId: customer.id }, pages(customer.id)),
      ),
    );
  }
  const [customer, ...fill] = await Promise.all([liveCustomer(ctx).load(id), ...primes]);
  if (customer) for (const prime of fill as ((customer: Customer) => void)[]) prime(customer);
  return customer;
}
