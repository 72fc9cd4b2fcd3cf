import type { Statement } from '../../db/pipeline';
import { ValueTier } from '../../graphql/enums';
import { keyText } from '../../graphql/keyset';

/**
 * The workspace's dedicated agents but the one bound second (none: null), numbered from 0 by how
 * many customers they own, then id, with their count k: customer n goes to adviser n % k.
 */
const ADVISERS = `advisers as (
  select a.id, row_number() over (order by o.owned, a.id) - 1 as n, count(*) over () as k
  from agent a cross join lateral (select count(*) owned from customer c where c.workspace_id = a.workspace_id and c.owner_id = a.id) o
  where a.workspace_id = ? and a.dedicated and a.id is distinct from ?::uuid
)`;

/**
 * Gives an owner to each customer here who is now HIGH value, live and without one: the
 * workspace's dedicated agents in order of how many customers they own (then id), one customer
 * each in turn, so a single customer goes to the least loaded. Runs after the tier is written, in
 * the transaction that wrote it; none when no customer here is HIGH. Each customer is probed by
 * key (OFFSET 0 keeps the planner from flattening it into a scan).
 */
export function ownerSteps(workspaceId: string, customers: Iterable<{ id: string; tier: ValueTier }>): Statement[] {
  const high = [...customers].filter((customer) => customer.tier === ValueTier.HIGH).map((customer) => customer.id);
  if (high.length === 0) return [];
  return [
    {
      text: `with due as (
         select c.id, row_number() over (order by c.id) - 1 as n
         from unnest(?::uuid[]) k(id)
         cross join lateral (
           select c.id from customer c where c.workspace_id = ? and c.id = k.id and c.owner_id is null and c.merged_into_id is null and c.erased_at is null offset 0
         ) c
       ), ${ADVISERS}
       update customer c set owner_id = a.id from due d join advisers a on a.n = d.n % a.k
       where c.workspace_id = ? and c.id = d.id`,
      params: [high, workspaceId, workspaceId, null, workspaceId],
    },
  ];
}

/**
 * Hands an owner's customers on to the other dedicated agents, least loaded first, in turn; when
 * there is none they are left without an owner.
 */
export function handOffStatement(workspaceId: string, agentId: string): Statement {
  return {
    text: `with owned as (
       select c.id, row_number() over (order by c.id) - 1 as n from customer c where c.workspace_id = ? and c.owner_id = ?
     ), ${ADVISERS}
     update customer c set owner_id = (select a.id from advisers a where a.n = d.n % a.k)
     from owned d where c.workspace_id = ? and c.id = d.id`,
    params: [workspaceId, agentId, workspaceId, agentId, workspaceId],
  };
}

/** How many customers each agent owns. */
export const ownedCountsStatement = (workspaceId: string, agentIds: readonly string[]): Statement => ({
  text: `select owner_id, count(*)::int owned from customer where workspace_id = ? and owner_id = any(?::uuid[]) group by owner_id`,
  params: [workspaceId, [...agentIds]],
});

/**
 * A page of live customers whose cadence asks for a contact before `before`, earliest due first (of
 * one owner, with ownerId): a walk along customer_contact_due or customer_owner_contact_due, whose
 * conditions it spells out. `sort_key` is the due time as a cursor carries it.
 */
export function dueContactsStatement(
  workspaceId: string,
  page: { before: Date; ownerId: string | null; after: [string, string] | null; limit: number },
): Statement {
  const owner = page.ownerId ? 'and c.owner_id is not null and c.owner_id = ?' : '';
  const after = page.after ? 'and (c.next_contact_due_at, c.id) > (?::timestamptz, ?::uuid)' : '';
  return {
    text: `select c.*, ${keyText('c.next_contact_due_at', 'time')} sort_key from customer c
     where c.workspace_id = ? and c.next_contact_due_at is not null and c.merged_into_id is null and c.erased_at is null and c.next_contact_due_at < ?
       ${owner} ${after}
     order by c.next_contact_due_at, c.id limit ?`,
    params: [workspaceId, page.before, ...(page.ownerId ? [page.ownerId] : []), ...(page.after ?? []), page.limit],
  };
}

/** How many live customers are due before `before` (of one owner, with ownerId). */
export function dueCountStatement(workspaceId: string, before: Date, ownerId: string | null): Statement {
  return {
    text: `select count(*)::int total from customer c
     where c.workspace_id = ? and c.next_contact_due_at is not null and c.merged_into_id is null and c.erased_at is null and c.next_contact_due_at < ?
       ${ownerId ? 'and c.owner_id is not null and c.owner_id = ?' : ''}`,
    params: [workspaceId, before, ...(ownerId ? [ownerId] : [])],
  };
}
