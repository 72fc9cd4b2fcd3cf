import type { Statement } from '../../db/pipeline';

/** The stored weekly reports, one row a week, oldest first: the headline figures as columns. */
export const weeklyReportsCsv = (workspaceId: string): Statement => ({
  text: `select week_start, report->>'from' period_from, report->>'to' period_to,
     (report->'service'->>'conversations')::int conversations, (report->'service'->>'csatAverage')::float8 csat_average,
     (report->'service'->>'csatSatisfiedRate')::float8 csat_satisfied_rate, (report->'service'->>'empatheticReplyRate')::float8 empathetic_reply_rate,
     (report->'service'->>'negativeSentimentRate')::float8 negative_sentiment_rate, (report->'service'->>'slaAttainment')::float8 sla_attainment,
     (report->'business'->>'activeCustomers')::int active_customers, (report->'business'->>'newCustomers')::int new_customers,
     (report->'business'->>'revenue')::float8 revenue, (report->'business'->>'retentionRate')::float8 retention_rate,
     (report->'business'->>'repeatPurchaseRate')::float8 repeat_purchase_rate, (report->'business'->>'enquiryConversionRate')::float8 enquiry_conversion_rate,
     (report->'business'->>'crossSellRate')::float8 cross_sell_rate, jsonb_array_length(report->'experiments') running_experiments
   from weekly_report where workspace_id = ? order by week_start`,
  params: [workspaceId],
});
