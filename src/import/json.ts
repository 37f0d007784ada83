/**
 * Upstream `json` columns arrive as text (`col::text`). They may hold JSON `null` (treated as absent),
 * malformed text, or strings with `\u0000` / lone surrogates that `jsonb` refuses: such a value is
 * reported as unrepresentable and never written to a jsonb column.
 */
export type JsonColumn =
  | { kind: 'absent' }
  | { kind: 'value'; value: unknown }
  | { kind: 'malformed'; raw: string }
  | { kind: 'unrepresentable'; raw: string };

export function readJson(raw: unknown): JsonColumn {
  if (raw === null || raw === undefined) return { kind: 'absent' };
  const text = String(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'malformed', raw: text };
  }
  if (value === null) return { kind: 'absent' };
  if (!representable(value)) return { kind: 'unrepresentable', raw: text };
  return { kind: 'value', value };
}

/** The JSON value, or undefined when absent, malformed or unrepresentable. */
export const jsonValue = (raw: unknown): unknown => {
  const parsed = readJson(raw);
  return parsed.kind === 'value' ? parsed.value : undefined;
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL `jsonb` (UTF-8 text, no NUL) can hold the value. */
export function representable(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(representable);
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => representable(k) && representable(v));
  }
  return true;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
