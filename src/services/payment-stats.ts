/** GET /payments/stats (SPEC §10): totals per status, and per UTC day for the last `days` days (zero-filled). */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { PAYMENT_STATUSES } from '../db/schema.js';
import { usd } from '../schemas/money.js';

type Totals = { count: number; amount_usd: number; credits: number };

export async function paymentStats(db: Database, days: number) {
  const [byStatus, byDay, byCurrency] = await db.batch([
    db.execute<{ status: string; count: number; amount_usd: string; credits: number }>(sql`
      SELECT status, count(*)::int AS count, COALESCE(sum(amount_usd), 0) AS amount_usd, COALESCE(sum(credits), 0)::int AS credits
      FROM payments GROUP BY status`),
    db.execute<{ date: string; count: number; amount_usd: string }>(sql`
      WITH day AS (
        SELECT generate_series((now() AT TIME ZONE 'UTC')::date - ${days - 1}::int, (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS d
      )
      SELECT to_char(day.d, 'YYYY-MM-DD') AS date, count(p.id)::int AS count, COALESCE(sum(p.amount_usd), 0) AS amount_usd
      FROM day LEFT JOIN payments p ON (p.created_at AT TIME ZONE 'UTC')::date = day.d
      GROUP BY day.d ORDER BY day.d`),
    // SPEC-WAVE2 §12.3: approved payments per currency (minor amounts summed exactly, as text).
    db.execute<{ currency_code: string; count: number; amount_minor: string; decimals: number; amount_usd: string }>(sql`
      SELECT currency_code, count(*)::int AS count, sum(currency_amount_minor)::text AS amount_minor,
             max(currency_decimals)::int AS decimals, sum(amount_usd) AS amount_usd
      FROM payments WHERE status = 'approved' GROUP BY currency_code ORDER BY currency_code`),
  ]);
  const empty = (): Totals => ({ count: 0, amount_usd: 0, credits: 0 });
  const by_status = Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, empty()])) as Record<(typeof PAYMENT_STATUSES)[number], Totals>;
  for (const row of byStatus.rows) {
    if (row.status in by_status) {
      by_status[row.status as keyof typeof by_status] = { count: Number(row.count), amount_usd: usd(row.amount_usd), credits: Number(row.credits) };
    }
  }
  return {
    by_status,
    by_currency: byCurrency.rows.map((r) => ({
      currency_code: r.currency_code,
      count: Number(r.count),
      amount_minor: Number(r.amount_minor),
      decimals: Number(r.decimals),
      amount_usd: usd(r.amount_usd),
    })),
    by_day: byDay.rows.map((r) => ({ date: r.date, count: Number(r.count), amount_usd: usd(r.amount_usd) })),
  };
}
