import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../db/ids';
import { fromRows } from '../../db/rows';
import { byKey, readByKey, sql, StaleReadError, withRetries } from '../../db/sql';
import type { EventBus } from '../../events/bus';
import type { Viewer } from '../../graphql/auth';
import { countLater, parsePage, toConnection, type Connection } from '../../graphql/connection';
import { isKeyset, keyText, type KeyKind, type Keyset } from '../../graphql/keyset';
import { CustomerSort, type IdentityType, type LifecycleStage, type ValueTier } from '../../graphql/enums';
import { publishAudit, recordAudit } from '../workspace/audit.service';
import { Customer } from './customer.entity';
import { IdentifierError, normaliseIdentifier } from './identifier.rules';
import { liveCustomerId } from './privacy.service';
import { liveCustomerSql } from './customer.sql';
import { SegmentErrors } from '../segment/segment.errors';
import { CustomerErrors } from './customer.errors';

export interface CustomerFilterArgs {
  search?: string | null;
  lifecycleStages?: LifecycleStage[] | null;
  valueTiers?: ValueTier[] | null;
  tags?: string[] | null;
  segmentId?: string | null;
}

const SORTS: Record<CustomerSort, { column: string; kind: KeyKind }> = {
  [CustomerSort.LAST_SEEN_DESC]: { column: 'last_seen_at', kind: 'time' },
  [CustomerSort.CREATED_DESC]: { column: 'created_at', kind: 'time' },
  [CustomerSort.TOTAL_SPEND_DESC]: { column: 'total_spend', kind: 'number' },
};

/** The longest search text (held by the input guard): a prefix this long already names one customer. */
export const MAX_SEARCH_LENGTH = 200;

/**
 * Customers whose display name or one of whose identity values starts with the text (any case), or,
 * with `wholeValues` (for roles that see these values masked, who could otherwise read a value out
 * a character at a time), equals it. Both sides are scans of a `(workspace_id, lower(...)
 * text_pattern_ops)` index.
 */
export function searchCondition(workspaceId: string, search: string, wholeValues = false): { sql: string; params: unknown[] } {
  const pattern = wholeValues ? search.replace(/[\\%_]/g, (c) => `\\${c}`) : `${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return {
    sql: `c.id in (select d.id from customer d where d.workspace_id = ? and lower(d.display_name) like lower(?) union all select i.customer_id from identity i where i.workspace_id = ? and lower(i.value) like lower(?))`,
    params: [workspaceId, pattern, workspaceId, pattern],
  };
}

/** Live customers of the workspace, filtered, in keyset pages, with the total that matches. */
export async function listCustomers(
  em: EntityManager,
  workspaceId: string,
  args: { first?: number | null; after?: string | null; filter?: CustomerFilterArgs | null; sort?: CustomerSort | null; wholeValues?: boolean },
): Promise<Connection<Customer>> {
  const { column, kind } = SORTS[args.sort ?? CustomerSort.LAST_SEEN_DESC];
  const page = parsePage(args.first, args.after, isKeyset(kind));
  const filter = args.filter ?? {};
  const after = page.after;
  const where = ['c.workspace_id = ?', liveCustomerSql('c')];
  const params: unknown[] = [workspaceId];
  const search = filter.search?.trim();
  if (search) {
    const { sql: condition, params: searchParams } = searchCondition(workspaceId, search, args.wholeValues);
    where.push(condition);
    params.push(...searchParams);
  }
  if (filter.lifecycleStages?.length) {
    where.push('c.lifecycle_stage = any(?)');
    params.push(filter.lifecycleStages);
  }
  if (filter.valueTiers?.length) {
    where.push('c.value_tier = any(?)');
    params.push(filter.valueTiers);
  }
  if (filter.tags?.length) {
    where.push('c.tags @> ?::text[]');
    params.push(filter.tags);
  }
  if (filter.segmentId) {
    const [segment] = isUuid(filter.segmentId) ? await sql(em, `select 1 from segment where workspace_id = ? and id = ?`, [workspaceId, filter.segmentId]) : [];
    if (!segment) throw SegmentErrors.notFound(filter.segmentId);
    where.push('c.id in (select m.customer_id from segment_member m where m.workspace_id = c.workspace_id and m.segment_id = ?::uuid)');
    params.push(filter.segmentId);
  }
  const total = countLater(em, 'customer c', where, params);
  if (after) {
    where.push(`(c.${column}, c.id) < (?::${kind === 'time' ? 'timestamptz' : 'numeric'}, ?::uuid)`);
    params.push(...after);
  }
  // a page walks an index in sort order, which a workspace the statistics do not know yet would not
  const rows = await readByKey<Record<string, unknown> & { sort_key: string }>(
    em,
    `select c.*, ${keyText(`c.${column}`, kind)} sort_key from customer c where ${where.join(' and ')} order by c.${column} desc, c.id desc limit ?`,
    [...params, page.first + 1],
  );
  const keys = new Map<Customer, Keyset>();
  const toCustomer = fromRows(em, Customer);
  const customers = rows.map((row) => {
    const customer = toCustomer(row);
    keys.set(customer, [row.sort_key, customer.id]);
    return customer;
  });
  return toConnection(customers, page, (customer) => keys.get(customer), total);
}

/** The customer an identifier belongs to, the value normalised as ingestion does it. */
export async function customerIdByIdentity(em: EntityManager, workspaceId: string, region: string, type: IdentityType, value: string): Promise<string | null> {
  let normalised: string;
  try {
    normalised = normaliseIdentifier({ type, value }, region).value;
  } catch (error) {
    if (error instanceof IdentifierError) return null;
    throw error;
  }
  const [row] = await readByKey<{ customer_id: string }>(em, `select customer_id from identity where workspace_id = ? and type = ? and value = ?`, [
    workspaceId,
    type,
    normalised,
  ]);
  return row?.customer_id ?? null;
}

/**
 * Adds or removes tags on the live customer an id resolves to, in one transaction with its audit
 * entry (published once committed); returns the live customer's id. A customer merged or erased
 * between the lookup and the update makes the attempt stale, and it is retried.
 */
export async function changeTags(em: EntityManager, bus: EventBus, viewer: Viewer, id: string, tags: string[], add: boolean): Promise<string> {
  const clean = [...new Set(tags.map((tag) => tag.trim()))];
  if (clean.length === 0 || clean.some((tag) => !tag || tag.length > 64)) throw CustomerErrors.tagsInvalid();
  const { customerId, audit } = await withRetries(em, async (tx) => {
    const customerId = await liveCustomerId(tx, viewer.workspaceId, id);
    const [updated] = await byKey(tx, [
      {
        text: `update customer set tags = ${add ? 'array(select distinct t from unnest(tags || ?::text[]) t order by t)' : 'array(select t from unnest(tags) t where t <> all(?::text[]) order by t)'}, updated_at = now()
       where workspace_id = ? and id = ? and ${liveCustomerSql()} returning id`,
        params: [clean, viewer.workspaceId, customerId],
      },
    ]);
    if (updated.length === 0) throw new StaleReadError();
    const audit = recordAudit(tx, viewer.workspaceId, viewer.keyId, {
      action: add ? 'customer.tagged' : 'customer.untagged',
      subjectType: 'Customer',
      subjectId: customerId,
      details: { tags: clean },
    });
    return { customerId, audit };
  });
  await publishAudit(bus, audit);
  return customerId;
}
