/**
 * A typed setting read inside a statement, for batches that cannot read first (e.g. the referral bonus
 * paid in the same batch as a payment approval). Same rule as `settingValue` in services/settings.ts:
 * a missing row or a stored value that does not fit the key's integer range gives the default.
 * (A nested CASE because SQL does not promise the evaluation order of AND.)
 */
import { sql, type SQL } from 'drizzle-orm';
import { SETTINGS, type SettingKey } from './settings.js';

type IntegerSettingKey = { [K in SettingKey]: (typeof SETTINGS)[K]['default'] extends number ? K : never }[SettingKey];

export function integerSettingSql(key: IntegerSettingKey): SQL {
  const { schema, default: fallback } = SETTINGS[key];
  const min = schema.minValue ?? Number.MIN_SAFE_INTEGER;
  const max = schema.maxValue ?? Number.MAX_SAFE_INTEGER;
  return sql`COALESCE((
    SELECT CASE
      WHEN jsonb_typeof(s.value) <> 'number' THEN ${fallback}::int
      WHEN s.value::numeric % 1 <> 0 OR s.value::numeric NOT BETWEEN ${min} AND ${max} THEN ${fallback}::int
      ELSE s.value::numeric::int END
    FROM system_settings s WHERE s.key = ${key}), ${fallback}::int)`;
}
