import type { Statement } from '../../db/pipeline';
import type { StoredVariant } from './experiment.entity';

/** z for a two-sided 95% interval. */
const Z = 1.959963984540054;

/**
 * 1 - erf(x) for x >= 0 (Abramowitz and Stegun 7.1.26, within 1.5e-7): the two-sided p-value of a
 * z statistic is erfc(z / sqrt 2). Past 26 it is below 1e-296, and exp would underflow: 0.
 */
const erfc = (x: string) =>
  `(select case when (${x}) > 26 then 0 else t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * exp(-(${x}) * (${x})) end
    from (select 1 / (1 + 0.3275911 * (${x})) t) q)`;

/**
 * An experiment's results in one statement, over the exposures (in `range` when given): per variant
 * (in the experiment's order, the first the control) exposures; conversions, each customer's first
 * `conversionEvent` within `windowDays` after their exposure, so a customer converts at most once
 * and for their one variant; its revenue; the conversion rate with its 95% Wilson interval; and the
 * two-sided p-value of a two-proportion z-test (pooled) of the best other variant against the
 * control, repeated on every row (null when either has no exposures or the pooled rate is 0 or 1).
 */
export function resultsStatement(
  workspaceId: string,
  experiment: { id: string; conversionEvent: string; windowDays: number; variants: readonly StoredVariant[] },
  range: { from: Date; to: Date } | null,
): Statement {
  const window = `make_interval(days => ${Number(experiment.windowDays)})`;
  return {
    text: `with v as (
       select a.v->>'key' as key, a.ord from jsonb_array_elements(?::jsonb) with ordinality a(v, ord)
     ), x as (
       select variant, customer_id, exposed_at from experiment_exposure
       where workspace_id = ? and experiment_id = ? and exposed_at >= coalesce(?::timestamptz, '-infinity') and exposed_at < coalesce(?::timestamptz, 'infinity')
     ), converted as (
       select distinct on (x.customer_id) x.variant, coalesce(e.revenue, 0) revenue
       from x join event e on e.workspace_id = ? and e.customer_id = x.customer_id and e.type = ?
         and e.occurred_at >= x.exposed_at and e.occurred_at < x.exposed_at + ${window}
       order by x.customer_id, e.occurred_at
     ), r as (
       select v.key, v.ord, coalesce(n.exposures, 0) exposures, coalesce(k.conversions, 0) conversions, coalesce(k.revenue, 0)::float8 revenue
       from v
       left join (select variant, count(*)::int exposures from x group by variant) n on n.variant = v.key
       left join (select variant, count(*)::int conversions, sum(revenue) revenue from converted group by variant) k on k.variant = v.key
     ), s as (
       select r.*, case when exposures > 0 then conversions::float8 / exposures end p from r
     ), test as (
       select (c.conversions + b.conversions)::float8 / (c.exposures + b.exposures) pooled, c.exposures n1, c.p p1, b.exposures n2, b.p p2
       from (select * from s where ord = 1 and exposures > 0) c
       cross join lateral (select * from s where ord > 1 and exposures > 0 order by p desc, ord limit 1) b
     ), z as (
       select abs(p2 - p1) / sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2)) / sqrt(2) x from test where pooled > 0 and pooled < 1
     )
     select s.key, s.exposures, s.conversions, s.revenue, coalesce(s.p, 0) rate,
       case when s.ord > 1 and c.p > 0 and s.p is not null then (s.p - c.p) / c.p end lift,
       case when s.exposures > 0 then (s.p + ${Z ** 2} / (2 * s.exposures) - ${Z} * sqrt(s.p * (1 - s.p) / s.exposures + ${Z ** 2} / (4.0 * s.exposures * s.exposures))) / (1 + ${Z ** 2} / s.exposures) end low,
       case when s.exposures > 0 then (s.p + ${Z ** 2} / (2 * s.exposures) + ${Z} * sqrt(s.p * (1 - s.p) / s.exposures + ${Z ** 2} / (4.0 * s.exposures * s.exposures))) / (1 + ${Z ** 2} / s.exposures) end high,
       (select ${erfc('z.x')} from z) p_value
     from s left join s c on c.ord = 1
     order by s.ord`,
    params: [
      JSON.stringify(experiment.variants.map(({ key }) => ({ key }))),
      workspaceId,
      experiment.id,
      range?.from ?? null,
      range?.to ?? null,
      workspaceId,
      experiment.conversionEvent,
    ],
  };
}
