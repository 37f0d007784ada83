/**
 * Reading database errors as they arrive through drizzle neon-http: single queries wrap the driver's
 * NeonDbError in a DrizzleQueryError (`cause`), batches throw it directly. SQLSTATE codes and
 * constraint names come through exactly as from Neon.
 */
export interface PgErrorFields {
  name?: string;
  message: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
}

/** The innermost error carrying database fields, if any. */
export function pgErrorOf(error: unknown): PgErrorFields | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as PgErrorFields & { cause?: unknown };
    if (e.name === 'NeonDbError' || typeof e.code === 'string') return e;
    current = e.cause;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = pgErrorOf(error);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

export function isCheckViolation(error: unknown, constraint?: string): boolean {
  const e = pgErrorOf(error);
  return e?.code === '23514' && (constraint === undefined || e.constraint === constraint);
}

export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  const e = pgErrorOf(error);
  return e?.code === '23503' && (constraint === undefined || e.constraint === constraint);
}

/** A value outside its column's range (e.g. an integer past 2^31 − 1): 22003 numeric_value_out_of_range. */
export function isOutOfRange(error: unknown): boolean {
  return pgErrorOf(error)?.code === '22003';
}

/**
 * The database could not be reached or cannot serve now: the HTTP request failed (no SQLSTATE),
 * or Postgres reported a connection / resource / shutdown / serialization condition.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = pgErrorOf(error);
  if (!e) return false;
  if (e.name === 'NeonDbError' && !e.code) return true;
  const code = e.code ?? '';
  return /^(08|53|57P)/.test(code) || code === '40001' || code === '40P01';
}
