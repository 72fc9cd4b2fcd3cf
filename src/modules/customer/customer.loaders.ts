import type { Context } from '../../context';
import { isUuid } from '../../db/ids';
import { parsePage, toConnection, type Connection, type Page } from '../../graphql/connection';
import { isKeyset, keyText, type Keyset } from '../../graphql/keyset';
import type { SelectedField } from '../../graphql/selection';
import { CustomerMerge } from './customer-merge.entity';
import { Customer } from './customer.entity';
import { Event } from './event.entity';
import { Identity } from './identity.entity';
import { CustomerErrors } from './customer.errors';
import type { Row } from '../../db/pipeline';

const groupBy = <T>(rows: T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
};

// These loaders read through ctx.loaders.read: probes planned for any workspace, so a workspace
// the statistics do not know yet is not scanned whole, and all of a request's reads of one turn in
// one round trip. Row-level security lets only leakproof expressions reach an index of a joined
// table (coalesce is not one; case is), so the survivor is chosen with case.
const SURVIVOR = 'case when r.merged_into_id is null then r.id else r.merged_into_id end';

/**
 * The customers a read is for: ids bound as one array, or, nested in the customer's own statement,
 * the customer row `c` it reads.
 */
interface CustomerIds {
  sql: string;
  params: unknown[];
}
const these = (ids: readonly string[]): CustomerIds => ({ sql: '?::uuid[]', params: [ids] });
const theOneRead: CustomerIds = { sql: 'array[c.id]', params: [] };

/** A statement of rows for customers, sent on its own or nested in the customer's statement as a JSON array. */
interface Read<T> {
  text: string;
  params: unknown[];
  /** The read's rows as its answer. */
  answer(rows: Row[]): T;
}

const send = async <T>(ctx: Context, read: Read<T>): Promise<T> => read.answer(await ctx.loaders.read(read.text, read.params));

/** Live customers, with the reads nested in the same statement as extra columns (`nested_0` ...), each a JSON array of its rows. */
const customersRead = (ctx: Context, ids: readonly string[], nested: readonly Read<unknown>[] = []) => ({
  text: `select c.*, r.id as requested${nested.map((read, i) => `, (select coalesce(json_agg(q), '[]') from (${read.text}) q) as nested_${i}`).join('')}
         from customer r join customer c on c.workspace_id = r.workspace_id and c.id = ${SURVIVOR}
         where r.workspace_id = ? and r.id = any(?::uuid[]) and c.erased_at is null`,
  params: [...nested.flatMap((read) => read.params), ctx.viewer.workspaceId, ids.filter(isUuid)],
});

/** Live customers by id; an absorbed id resolves to its survivor, an erased or unknown one to null. */
export const liveCustomer = (ctx: Context) =>
  ctx.loaders.named<string, Customer | null>('liveCustomer', async (ids) => {
    const { text, params } = customersRead(ctx, ids);
    const rows = await ctx.loaders.read<Row & { requested: string }>(text, params);
    const toCustomer = ctx.loaders.rows(Customer);
    const byRequested = new Map(rows.map((row) => [row.requested, toCustomer(row)]));
    return ids.map((id) => byRequested.get(id) ?? null);
  });

/** The live customer an id resolves to, for an answer that must be one (a mutation's, a non-null field): NOT_FOUND when there is none. */
export async function requireLiveCustomer(ctx: Context, id: string): Promise<Customer> {
  const customer = await liveCustomer(ctx).load(id);
  if (!customer) throw CustomerErrors.notFound(id);
  return customer;
}

const identitiesRead = (ctx: Context, customers: CustomerIds): Read<Identity[]> => ({
  text: `select * from identity where workspace_id = ? and customer_id = any(${customers.sql}) order by first_seen_at, id`,
  params: [ctx.viewer.workspaceId, ...customers.params],
  answer: (rows) => rows.map(ctx.loaders.rows(Identity)),
});

export const identitiesOf = (ctx: Context) =>
  ctx.loaders.named<string, Identity[]>('identitiesOf', async (customerIds) => {
    const groups = groupBy(await send(ctx, identitiesRead(ctx, these(customerIds))), (row) => row.customerId);
    return customerIds.map((id) => groups.get(id) ?? []);
  });

const mergesRead = (ctx: Context, customers: CustomerIds): Read<CustomerMerge[]> => ({
  text: `select * from customer_merge where workspace_id = ? and (survivor_id = any(${customers.sql}) or absorbed_id = any(${customers.sql})) order by at desc, id desc`,
  params: [ctx.viewer.workspaceId, ...customers.params, ...customers.params],
  answer: (rows) => rows.map(ctx.loaders.rows(CustomerMerge)),
});

const mergesFor = (merges: CustomerMerge[], id: string) => merges.filter((row) => row.survivorId === id || row.absorbedId === id);

export const mergesOf = (ctx: Context) =>
  ctx.loaders.named<string, CustomerMerge[]>('mergesOf', async (customerIds) => {
    const merges = await send(ctx, mergesRead(ctx, these(customerIds)));
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
          const pages = await send(ctx, eventPagesRead(ctx, these(group.map((key) => key.customerId)), page, group[0].type ?? null));
          for (const key of group) answers.set(eventsCacheKey(key), pages(key.customerId));
        }),
      );
      return keys.map((key) => answers.get(eventsCacheKey(key))!);
    },
    eventsCacheKey,
  );

/** One windowed read of the customers' pages of events; answers each customer's connection. */
function eventPagesRead(ctx: Context, customers: CustomerIds, page: Page<Keyset>, type: string | null): Read<(customerId: string) => Connection<Event>> {
  const after = page.after;
  return {
    text: `select * from (
       select e.*, ${keyText('e.occurred_at', 'time')} sort_key,
              row_number() over (partition by e.customer_id order by e.occurred_at desc, e.id desc) n
       from event e
       where e.workspace_id = ? and e.customer_id = any(${customers.sql})
         and (?::text is null or e.type = ?)
         and (?::timestamptz is null or (e.occurred_at, e.id) < (?::timestamptz, ?::uuid))
     ) ranked where n <= ? order by customer_id, n`,
    params: [ctx.viewer.workspaceId, ...customers.params, type, type, after?.[0] ?? null, after?.[0] ?? null, after?.[1] ?? null, page.first + 1],
    answer: (rows) => {
      const toEvent = ctx.loaders.rows(Event);
      const keys = new Map<Event, Keyset>();
      const byCustomer = groupBy(
        rows.map((row) => {
          const event = toEvent(row);
          keys.set(event, [row.sort_key as string, event.id]);
          return event;
        }),
        (event) => event.customerId!,
      );
      return (customerId) => toConnection(byCustomer.get(customerId) ?? [], page, (event) => keys.get(event));
    },
  };
}

/**
 * A customer by id with the nested fields selected on it (identities, events, merges) read in the
 * same statement, as JSON, and put in the loaders their field resolvers ask: the fields still
 * resolve, and check access, as on every other path.
 */
export async function readCustomerAhead(ctx: Context, id: string, selection: SelectedField[]): Promise<Customer | null> {
  if (!isUuid(id)) return liveCustomer(ctx).load(id);
  const nested: Read<(customer: Customer) => void>[] = [];
  const wanted = new Set(selection.map((field) => field.name));
  const primeWith = <T>(read: Read<T>, prime: (answer: T, customer: Customer) => void): Read<(customer: Customer) => void> => ({
    ...read,
    answer: (rows) => (customer) => prime(read.answer(rows), customer),
  });
  if (wanted.has('identities')) nested.push(primeWith(identitiesRead(ctx, theOneRead), (rows, customer) => identitiesOf(ctx).prime(customer.id, rows)));
  if (wanted.has('merges'))
    nested.push(primeWith(mergesRead(ctx, theOneRead), (rows, customer) => mergesOf(ctx).prime(customer.id, mergesFor(rows, customer.id))));
  for (const field of selection.filter((field) => field.name === 'events')) {
    const args = field.args as Omit<EventsKey, 'customerId'>;
    let page: Page<Keyset>;
    try {
      page = parsePage(args.first, args.after, isKeyset('time'));
    } catch {
      continue; // the field resolver answers the error
    }
    nested.push(
      primeWith(eventPagesRead(ctx, theOneRead, page, args.type ?? null), (pages, customer) =>
        eventsOf(ctx).prime({ ...args, customerId: customer.id }, pages(customer.id)),
      ),
    );
  }
  const { text, params } = customersRead(ctx, [id], nested);
  const [row] = await ctx.loaders.read(text, params);
  const customer = row ? ctx.loaders.rows(Customer)(row) : null;
  liveCustomer(ctx).prime(id, customer);
  if (customer) nested.forEach((read, i) => read.answer(row[`nested_${i}`] as Row[])(customer));
  return customer;
}
