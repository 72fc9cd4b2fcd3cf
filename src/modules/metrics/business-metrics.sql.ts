import type { Statement } from '../../db/pipeline';
import { purchaseOf, purchaseSql } from '../lifecycle/lifecycle.rules';

/**
 * The business figures of [from, to) in one statement (the README defines each):
 * - active: customers with an event in the range; new: customers first seen in it;
 * - revenue: the purchases' revenue;
 * - retention: of those active in the first half, the share active again in the second;
 * - repeat purchase: of customers who bought, the share who bought at least twice;
 * - enquiry conversion: of conversations opened, the share whose customer bought within 7 days after;
 * - cross-sell: of orders with a `properties.category` by customers who had bought before, the
 *   share in a category none of their earlier purchases had.
 */
export function businessMetricsStatement(workspaceId: string, range: { from: Date; to: Date }): Statement {
  const middle = new Date((range.from.getTime() + range.to.getTime()) / 2);
  return {
    text: `with e as (
       select customer_id, occurred_at, revenue, ${purchaseSql} purchase, properties->>'category' category
       from event where workspace_id = ? and occurred_at >= ? and occurred_at < ? and customer_id is not null
     ), buyers as (
       select customer_id, count(*) orders from e where purchase group by customer_id
     ), halves as (
       select customer_id, bool_or(occurred_at < ?) first_half, bool_or(occurred_at >= ?) second_half from e group by customer_id
     ), enquiries as (
       select exists (select 1 from event o where o.workspace_id = v.workspace_id and o.customer_id = coalesce(cu.merged_into_id, v.customer_id)
                        and o.occurred_at >= v.created_at and o.occurred_at < v.created_at + interval '7 days' and ${purchaseOf('o')}) bought
       from conversation v left join customer cu on cu.workspace_id = v.workspace_id and cu.id = v.customer_id
       where v.workspace_id = ? and v.created_at >= ? and v.created_at < ?
     ), orders as (
       select e.customer_id, e.category,
         exists (select 1 from event p where p.workspace_id = ? and p.customer_id = e.customer_id and p.occurred_at < e.occurred_at
                   and ${purchaseOf('p')}) repeat_buyer,
         exists (select 1 from event p where p.workspace_id = ? and p.customer_id = e.customer_id and p.occurred_at < e.occurred_at
                   and ${purchaseOf('p')} and p.properties->>'category' = e.category) known
       from e where e.purchase and e.category is not null
     )
     select (select count(*)::int from halves) active,
       (select count(*)::int from customer where workspace_id = ? and first_seen_at >= ? and first_seen_at < ? and merged_into_id is null and erased_at is null) new_customers,
       (select coalesce(sum(revenue), 0)::float8 from e where purchase) revenue,
       (select (count(*) filter (where second_half))::float8 / nullif(count(*), 0) from halves where first_half) retention,
       (select (count(*) filter (where orders >= 2))::float8 / nullif(count(*), 0) from buyers) repeat_purchase,
       (select (count(*) filter (where bought))::float8 / nullif(count(*), 0) from enquiries) enquiry_conversion,
       (select (count(*) filter (where not known))::float8 / nullif(count(*), 0) from orders where repeat_buyer) cross_sell`,
    params: [workspaceId, range.from, range.to, middle, middle, workspaceId, range.from, range.to, workspaceId, workspaceId, workspaceId, range.from, range.to],
  };
}
