/**
 * The database side of grounded reports (issue 15): the catalog entries matching an idea, where the
 * idea's market is, and storing what a research step found (its row, its usage and cost) in one batch.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { CatalogEntry, ResearchFindings } from '../ai/research.js';
import type { Database } from '../db/client.js';
import { analysisResearch, competitors } from '../db/schema.js';
import { insertUsage, usageTotals } from './ai-usage.js';

/** Countries of the product's region by their English and Arabic names (the first market is Syria). */
const COUNTRY_NAMES: Record<string, string> = {
  syria: 'SY', 'سوريا': 'SY', 'سورية': 'SY', lebanon: 'LB', 'لبنان': 'LB', jordan: 'JO', 'الأردن': 'JO', 'الاردن': 'JO',
  iraq: 'IQ', 'العراق': 'IQ', turkey: 'TR', 'türkiye': 'TR', turkiye: 'TR', 'تركيا': 'TR', egypt: 'EG', 'مصر': 'EG',
  'saudi arabia': 'SA', 'السعودية': 'SA', 'united arab emirates': 'AE', uae: 'AE', 'الإمارات': 'AE', 'الامارات': 'AE',
  qatar: 'QA', 'قطر': 'QA', kuwait: 'KW', 'الكويت': 'KW', germany: 'DE', 'ألمانيا': 'DE', 'المانيا': 'DE',
  palestine: 'PS', 'فلسطين': 'PS', 'united states': 'US', usa: 'US', 'united kingdom': 'GB', uk: 'GB',
};
const CITIES: Record<string, string> = {
  damascus: 'SY', 'دمشق': 'SY', aleppo: 'SY', 'حلب': 'SY', homs: 'SY', 'حمص': 'SY', latakia: 'SY', 'اللاذقية': 'SY',
  hama: 'SY', 'حماة': 'SY', tartus: 'SY', 'طرطوس': 'SY', idlib: 'SY', 'إدلب': 'SY', beirut: 'LB', 'بيروت': 'LB',
  amman: 'JO', 'عمان': 'JO', 'عمّان': 'JO', istanbul: 'TR', 'إسطنبول': 'TR', gaziantep: 'TR', baghdad: 'IQ', erbil: 'IQ', cairo: 'EG', dubai: 'AE',
};

export interface MarketPlace {
  country: string;
  city: string | null;
}

/**
 * The idea's market from its free-text `location` ("Damascus, Syria", "حلب", "SY"): a country code and
 * maybe a city. No location → Syria (SPEC, REPORT_SECTIONS); a location we cannot place → null.
 */
export function placeOf(location: string | null): MarketPlace | null {
  const text = location?.trim();
  if (!text) return { country: 'SY', city: null };
  const parts = text.split(/[,،\-–/|]+/).map((p) => p.trim()).filter(Boolean);
  let country: string | null = null;
  let city: string | null = null;
  for (const part of parts) {
    const key = part.toLowerCase();
    if (/^[A-Za-z]{2}$/.test(part)) country ??= part.toUpperCase();
    else if (COUNTRY_NAMES[key]) country ??= COUNTRY_NAMES[key]!;
    else if (CITIES[key]) {
      city ??= part;
      country ??= CITIES[key]!;
    }
  }
  if (!country) return null;
  if (!city && parts.length > 1 && !COUNTRY_NAMES[parts[0]!.toLowerCase()]) city = parts[0]!.slice(0, 100);
  return { country, city };
}

export function userLocationOf(place: MarketPlace | null): Anthropic.UserLocation | null {
  if (!place) return null;
  return { type: 'approximate', country: place.country, ...(place.city ? { city: place.city } : {}) };
}

const CATALOG_LIMIT = 20;
const CANDIDATES_LIMIT = 500;

/**
 * Active catalog entries whose industries include the analysis' industry (any entry when either is
 * unset), read in the plan's batch; `catalogFor` then keeps those of the idea's country (or regional ones).
 */
export function selectCatalogCandidates(db: Database, analysisId: string) {
  const industry = sql`(SELECT lower(btrim(industry)) FROM analyses WHERE id = ${analysisId})`;
  return db
    .select({
      name: competitors.name,
      country: competitors.country,
      industries: competitors.industries,
      description: competitors.description,
      websiteUrl: competitors.websiteUrl,
      androidUrl: competitors.androidUrl,
      iosUrl: competitors.iosUrl,
    })
    .from(competitors)
    .where(
      and(
        eq(competitors.isActive, true),
        sql`(${industry} IS NULL OR ${industry} = '' OR cardinality(${competitors.industries}) = 0
             OR EXISTS (SELECT 1 FROM unnest(${competitors.industries}) i WHERE lower(i) = ${industry}))`,
      ),
    )
    .orderBy(asc(competitors.name))
    .limit(CANDIDATES_LIMIT);
}

/** The entries of the idea's country first, then regional/global ones (no country); at most 20. */
export function catalogFor(candidates: CatalogEntry[], place: MarketPlace | null): CatalogEntry[] {
  const local = place ? candidates.filter((c) => c.country === place.country) : [];
  const regional = candidates.filter((c) => c.country === null);
  return [...local, ...regional].slice(0, CATALOG_LIMIT);
}

/** Stores a research step: its findings, its model call (kind research) and the analysis' totals — one batch. */
export async function storeResearch(
  db: Database,
  input: { analysisId: string; userId: string; model: string; findings: ResearchFindings },
): Promise<void> {
  const { findings } = input;
  const usage = usageTotals(findings.records);
  const usageRows = insertUsage(db, { userId: input.userId, kind: 'research', model: input.model, analysisId: input.analysisId }, findings.records);
  await db.batch([
    db.insert(analysisResearch).values({
      analysisId: input.analysisId,
      status: findings.status,
      errorCode: findings.errorCode,
      queries: findings.queries,
      results: findings.results,
      citations: findings.citations,
    }),
    db.execute(sql`
      UPDATE analyses SET ai_input_tokens = ai_input_tokens + ${usage.inputTokens},
             ai_output_tokens = ai_output_tokens + ${usage.outputTokens}, ai_calls = ai_calls + ${usage.calls},
             ai_web_searches = ai_web_searches + ${usage.webSearches},
             ai_cost_nano_usd = ai_cost_nano_usd + ${usage.costNanoUsd.toString()}::bigint
      WHERE id = ${input.analysisId}`),
    ...(usageRows ? [usageRows] : []),
  ]);
}
