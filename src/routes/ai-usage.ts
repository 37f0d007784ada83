/**
 * GET /api/ai/usage (issue 15 §4, `view_analyses`): what the model calls cost — tokens (input, output,
 * cache writes and reads), web searches and USD at the configured prices — in total, per UTC day and per
 * model, over a window. Costs are summed as integers (nano-USD) in the database and converted once.
 */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { nanoToUsd, nanoToUsdText } from '../ai/prices.js';
import { requirePermission } from '../auth/guards.js';
import { ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { query } from '../http/validate.js';
import type { AppEnv } from '../types.js';

const UsageQuery = z
  .object({
    from: z.iso.datetime().optional().describe('Inclusive lower bound (default: 30 days ago)'),
    to: z.iso.datetime().optional().describe('Exclusive upper bound (default: now)'),
    model: z.string().trim().min(1).max(200).optional().describe('Only calls of this model'),
    kind: z.enum(['section', 'research', 'chat', 'invoke', 'validate']).optional().describe('Only calls of this kind'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] })
  .refine((q) => !q.from || Date.parse(q.to ?? new Date().toISOString()) - Date.parse(q.from) <= 366 * 86400_000, {
    message: 'the window is at most 366 days',
    path: ['from'],
  });

const Totals = z.object({
  calls: z.number().int(),
  failed_calls: z.number().int(),
  input_tokens: z.number().int().describe('All input tokens, cache writes and reads included'),
  cache_creation_input_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  web_searches: z.number().int(),
  cost_usd: z.number().describe('At the prices in force when each call was made (AI_PRICES)'),
  cost_usd_exact: z.string().describe('The same, as exact decimal text with 9 decimals (nano-USD)'),
  unpriced_calls: z.number().int().describe('Successful calls of a model without a price: not in cost_usd'),
  analyses: z.number().int().describe('Distinct analyses the calls were made for'),
});

const UsageSchema = z.object({
  from: z.string(),
  to: z.string(),
  totals: Totals,
  by_day: z.array(Totals.extend({ date: z.string() })),
  by_model: z.array(Totals.extend({ model: z.string() })),
  per_report: z.object({
    reports: z.number().int(),
    average_cost_usd: z.number(),
    average_input_tokens: z.number(),
    average_output_tokens: z.number(),
    average_web_searches: z.number(),
  }).describe('Averages over the analyses whose report calls (sections, research) fall in the window'),
});

const AGGREGATES = sql`
  count(*)::int AS calls,
  count(*) FILTER (WHERE NOT ok)::int AS failed_calls,
  coalesce(sum(input_tokens), 0)::bigint::text AS input_tokens,
  coalesce(sum(cache_creation_input_tokens), 0)::bigint::text AS cache_creation_input_tokens,
  coalesce(sum(cache_read_input_tokens), 0)::bigint::text AS cache_read_input_tokens,
  coalesce(sum(output_tokens), 0)::bigint::text AS output_tokens,
  coalesce(sum(web_search_requests), 0)::bigint::text AS web_searches,
  coalesce(sum(cost_nano_usd), 0)::text AS cost_nano,
  count(*) FILTER (WHERE ok AND cost_nano_usd IS NULL)::int AS unpriced_calls,
  count(DISTINCT analysis_id)::int AS analyses`;

type AggRow = Record<string, string | number | null>;

function totalsOf(r: AggRow | undefined) {
  const nano = BigInt(String(r?.cost_nano ?? '0'));
  return {
    calls: Number(r?.calls ?? 0),
    failed_calls: Number(r?.failed_calls ?? 0),
    input_tokens: Number(r?.input_tokens ?? 0),
    cache_creation_input_tokens: Number(r?.cache_creation_input_tokens ?? 0),
    cache_read_input_tokens: Number(r?.cache_read_input_tokens ?? 0),
    output_tokens: Number(r?.output_tokens ?? 0),
    web_searches: Number(r?.web_searches ?? 0),
    cost_usd: nanoToUsd(nano),
    cost_usd_exact: nanoToUsdText(nano),
    unpriced_calls: Number(r?.unpriced_calls ?? 0),
    analyses: Number(r?.analyses ?? 0),
  };
}

export const usageRoutes = new Hono<AppEnv>().get(
  '/usage',
  describe({
    operationId: 'getAiUsage', summary: 'AI usage and cost: totals, per day and per model',
    tags: ['ai'],
    response: UsageSchema,
  }),
  requirePermission('view_analyses'),
  query(UsageQuery),
  async (c) => {
    const q = c.req.valid('query');
    const to = q.to ?? new Date().toISOString();
    const from = q.from ?? new Date(Date.parse(to) - 30 * 86400_000).toISOString();
    const { db } = c.var;
    const where = sql`created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz
      ${q.model ? sql`AND model = ${q.model}` : sql``} ${q.kind ? sql`AND kind = ${q.kind}` : sql``}`;
    const [totals, byDay, byModel, reportRows] = await db.batch([
      db.execute<AggRow>(sql`SELECT ${AGGREGATES} FROM ai_usage WHERE ${where}`),
      db.execute<AggRow>(sql`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, ${AGGREGATES}
                             FROM ai_usage WHERE ${where} GROUP BY 1 ORDER BY 1`),
      db.execute<AggRow>(sql`SELECT model, ${AGGREGATES} FROM ai_usage WHERE ${where} GROUP BY model ORDER BY model`),
      db.execute<AggRow>(sql`SELECT ${AGGREGATES} FROM ai_usage WHERE ${where} AND analysis_id IS NOT NULL AND kind IN ('section', 'research')`),
    ]);
    const total = totalsOf(totals.rows[0]);
    const report = totalsOf(reportRows.rows[0]);
    const reports = report.analyses;
    const avg = (n: number) => (reports === 0 ? 0 : Math.round((n / reports) * 1000) / 1000);
    const totalNano = BigInt(String(reportRows.rows[0]?.cost_nano ?? '0'));
    return ok(
      c,
      {
        from,
        to,
        totals: total,
        by_day: byDay.rows.map((r) => ({ date: String(r.date), ...totalsOf(r) })),
        by_model: byModel.rows.map((r) => ({ model: String(r.model), ...totalsOf(r) })),
        per_report: {
          reports,
          // Average of an exact total, rounded to the nano-dollar.
          average_cost_usd: reports === 0 ? 0 : nanoToUsd((totalNano + BigInt(reports) / 2n) / BigInt(reports)),
          average_input_tokens: avg(report.input_tokens),
          average_output_tokens: avg(report.output_tokens),
          average_web_searches: avg(report.web_searches),
        },
      },
      'ok.ai_usage',
    );
  },
);
