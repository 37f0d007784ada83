/** Shared set-up for the economy suites (not a test file). */
import { sql } from 'drizzle-orm';
import type { TestApp, TestUser } from '../../support/harness.js';

/** A 1×1 PNG. */
export const PNG_PROOF =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export interface Catalog {
  starter: { id: string; credits: number; price_usd: number };
  founder: { id: string; credits: number; price_usd: number };
  methodId: string;
}

/** The seeded catalog (two packages, one method), read through the public API. */
export async function seededCatalog(t: TestApp): Promise<Catalog> {
  const packages = await t.request('GET', '/api/credit-packages');
  const methods = await t.request('GET', '/api/payment-methods');
  const byName = (name: string) => packages.body.data.find((p: any) => p.name === name);
  return { starter: byName('Starter'), founder: byName('Founder'), methodId: methods.body.data[0].id };
}

export async function submitPayment(
  t: TestApp,
  user: TestUser,
  body: { package_id: string; payment_method_id: string; quantity?: number; discount_code?: string; notes?: string },
) {
  return t.request('POST', '/api/payments', { token: user.token, body: { payment_proof: PNG_PROOF, ...body } });
}

export async function createDiscount(t: TestApp, admin: TestUser, body: Record<string, unknown>) {
  const res = await t.request('POST', '/api/discount-codes', { token: admin.token, body });
  if (res.status !== 201) throw new Error(`discount create failed: ${res.status} ${res.text}`);
  return res.body.data as { id: string; code: string };
}

export const uniqueCode = (prefix = 'CODE') => `${prefix}${crypto.randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

/** A completed premium report for `userId`, written directly (the AI engine's job in production). */
export async function completedPremiumReport(t: TestApp, userId: string, options: { deleted?: boolean } = {}) {
  await t.db.execute(sql`
    INSERT INTO analyses (user_id, business_idea, report_type, status, deleted_at)
    VALUES (${userId}, 'A delivery service for fresh bread in Damascus', 'premium', 'completed',
            ${options.deleted ? sql`now()` : sql`NULL`})`);
}

export async function rows<T = Record<string, unknown>>(t: TestApp, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await t.db.execute(query)).rows as T[];
}
