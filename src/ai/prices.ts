/**
 * What a model call costs (issue 15 §4), in exact integer arithmetic: nano-USD (1e-9 USD), as bigint.
 *
 * Prices come from configuration (`AI_PRICES`, JSON) as decimal text or numbers in the units Anthropic
 * publishes: USD per million tokens (input, output, cache write, cache read) and USD per 1,000 web
 * searches. USD per million tokens × 1,000 = nano-USD per token, so a price with at most 3 decimals
 * (e.g. 0.3 → 300) is an exact integer per token; a search price with at most 6 decimals per 1,000 is
 * an exact integer per search. Nothing is ever rounded: cost = Σ tokens × price + searches × price.
 */
import * as z from 'zod';

export interface ModelPrice {
  inputNano: bigint;
  outputNano: bigint;
  cacheWriteNano: bigint;
  cacheReadNano: bigint;
  searchNano: bigint;
}

/** Keyed by model id; `*` (optional) prices any model not listed. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Exact decimal text → integer × 10^scale; null when it has more decimals than `scale` or is not a plain decimal. */
export function decimalToScaled(value: string | number, scale: number): bigint | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return null;
  return BigInt(m[1]!) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
}

const price = (scale: number) =>
  z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
    const scaled = decimalToScaled(v, scale);
    if (scaled === null) {
      ctx.addIssue({ code: 'custom', message: `must be a non-negative decimal with at most ${scale} decimals` });
      return z.NEVER;
    }
    return scaled;
  });

const ModelPriceInput = z.strictObject({
  input_usd_per_mtok: price(3),
  output_usd_per_mtok: price(3),
  cache_write_usd_per_mtok: price(3).optional(),
  cache_read_usd_per_mtok: price(3).optional(),
  web_search_usd_per_1k: price(6).optional(),
});

export const PriceTableInput = z.record(z.string().min(1), ModelPriceInput);

/** Published list prices of the default model (Sonnet tier): $3 / $15 per MTok, cache ×1.25 / ×0.1, search $10 per 1,000. */
export const DEFAULT_PRICES_JSON = {
  'claude-sonnet-5-5': {
    input_usd_per_mtok: '3',
    output_usd_per_mtok: '15',
    cache_write_usd_per_mtok: '3.75',
    cache_read_usd_per_mtok: '0.3',
    web_search_usd_per_1k: '10',
  },
} as const;

/** Parses the configured table (a JSON text); throws a message naming the bad entry. */
export function parsePriceTable(json: string | undefined): PriceTable {
  let raw: unknown = DEFAULT_PRICES_JSON;
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error('AI_PRICES must be a JSON object');
    }
  }
  const parsed = PriceTableInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`AI_PRICES.${issue.path.join('.')}: ${issue.message}`);
  }
  return Object.fromEntries(
    Object.entries(parsed.data).map(([model, p]) => [
      model,
      {
        inputNano: p.input_usd_per_mtok,
        outputNano: p.output_usd_per_mtok,
        // Anthropic's multipliers when not configured: cache writes 1.25× input, reads 0.1× input (integer division of nano prices).
        cacheWriteNano: p.cache_write_usd_per_mtok ?? (p.input_usd_per_mtok * 5n) / 4n,
        cacheReadNano: p.cache_read_usd_per_mtok ?? p.input_usd_per_mtok / 10n,
        searchNano: p.web_search_usd_per_1k ?? 0n,
      },
    ]),
  );
}

export interface CallUsage {
  /** Uncached input tokens (the API's `input_tokens`). */
  uncachedInputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  webSearches: number;
}

/** Cost of one call in nano-USD, or null when the model has no price. */
export function callCostNano(prices: PriceTable, model: string, u: CallUsage): bigint | null {
  const p = prices[model] ?? prices['*'];
  if (!p) return null;
  return (
    BigInt(u.uncachedInputTokens) * p.inputNano +
    BigInt(u.cacheWriteTokens) * p.cacheWriteNano +
    BigInt(u.cacheReadTokens) * p.cacheReadNano +
    BigInt(u.outputTokens) * p.outputNano +
    BigInt(u.webSearches) * p.searchNano
  );
}

/** nano-USD → exact decimal USD text with 9 decimals ("0.012345000"), for JSON and logs. */
export function nanoToUsdText(nano: bigint): string {
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  const whole = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** nano-USD as a JSON number of USD (exact to the nano-dollar for any realistic total). */
export const nanoToUsd = (nano: bigint): number => Number(nanoToUsdText(nano));
