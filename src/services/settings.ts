/**
 * System settings (SPEC §4): typed keys with a validator, a default and a public flag.
 * A missing row means the default; reading a value is part of the caller's query or batch.
 */
import { inArray } from 'drizzle-orm';
import * as z from 'zod';
import type { Database } from '../db/client.js';
import { systemSettings } from '../db/schema.js';

export const SETTINGS = {
  signup_bonus_credits: { schema: z.number().int().min(0).max(1000), default: 3, public: true },
  premium_report_cost: { schema: z.number().int().min(1).max(1000), default: 1, public: true },
  referral_bonus_credits: { schema: z.number().int().min(0).max(1000), default: 5, public: true },
  chat_daily_limit: { schema: z.number().int().min(0).max(100000), default: 50, public: false },
  low_credit_threshold: { schema: z.number().int().min(0).max(1000), default: 2, public: false },
  /** Shown on the landing page (SPEC-WAVE2 §0 §4, §14.2). */
  syrian_apps_count: { schema: z.number().int().min(0).max(100000), default: 350, public: true },
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValues = { [K in SettingKey]: z.infer<(typeof SETTINGS)[K]['schema']> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
export const PUBLIC_SETTING_KEYS = SETTING_KEYS.filter((k) => SETTINGS[k].public);

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** A stored value that no longer validates (e.g. edited by hand) falls back to the default. */
export function settingValue<K extends SettingKey>(key: K, stored: unknown): SettingValues[K] {
  const parsed = SETTINGS[key].schema.safeParse(stored);
  return (parsed.success ? parsed.data : SETTINGS[key].default) as SettingValues[K];
}

export function selectSettings(db: Database, keys: readonly SettingKey[]) {
  return db
    .select({ key: systemSettings.key, value: systemSettings.value })
    .from(systemSettings)
    .where(inArray(systemSettings.key, [...keys]));
}

export function settingsFromRows<K extends SettingKey>(keys: readonly K[], rows: { key: string; value: unknown }[]) {
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  return Object.fromEntries(keys.map((k) => [k, settingValue(k, byKey.get(k))])) as Pick<SettingValues, K>;
}

export async function readSettings<K extends SettingKey>(db: Database, keys: readonly K[]) {
  return settingsFromRows(keys, await selectSettings(db, keys));
}
