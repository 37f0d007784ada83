/**
 * API request logs, the write side (SPEC-WAVE2 §15.1, §15.2): which requests are kept, what a row
 * holds, and how it reaches the database WITHOUT being part of the request.
 *
 * - Workers: `waitUntil(one single-row INSERT)`, started after the response exists.
 * - Node: an in-memory queue per database (at most 5,000 rows; beyond that the oldest are dropped and
 *   counted), written as ONE multi-row INSERT every 2 s or as soon as 500 rows wait, and flushed with a
 *   deadline on shutdown (src/node.ts).
 * - A failed write is logged (`warn`, counts only, never row content) and dropped; nothing retries.
 *
 * The raw client IP is held in memory only until the write, where it becomes its HMAC (§0.1).
 */
import { and, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiRequestLogs } from '../db/schema.js';
import type { Config } from '../config.js';
import { log } from '../http/logger.js';
import { hashIp } from './ip-hash.js';

export type KeptBy = 'error' | 'slow' | 'sample';

/** What the middleware captured, before the IP is hashed. */
export interface PendingLogRow {
  createdAt: Date;
  requestId: string;
  method: string;
  route: string;
  path: string;
  queryKeys: string[];
  query: Record<string, string> | null;
  status: number;
  errorCode: string | null;
  durationMs: number;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestBytes: number | null;
  responseBytes: number | null;
  runtime: 'workers' | 'node';
  keptBy: KeptBy;
}

// ─── What is kept ────────────────────────────────────────────────────────────

/** 4xx answers kept unconditionally per client IP and minute, per isolate/process (§0.1). */
export const CLIENT_ERRORS_KEPT_PER_IP_MINUTE = 60;
/** Addresses tracked per minute; past this, further addresses' 4xx are sampled (memory stays bounded). */
const MAX_TRACKED_IPS = 10_000;
let clientErrorMinute = -1;
const clientErrorsByIp = new Map<string, number>();

function clientErrorBudgetLeft(ip: string, now: number): boolean {
  const minute = Math.floor(now / 60_000);
  if (minute !== clientErrorMinute) {
    clientErrorMinute = minute;
    clientErrorsByIp.clear();
  }
  const used = clientErrorsByIp.get(ip) ?? 0;
  if (used >= CLIENT_ERRORS_KEPT_PER_IP_MINUTE) return false;
  if (used === 0 && clientErrorsByIp.size >= MAX_TRACKED_IPS) return false;
  clientErrorsByIp.set(ip, used + 1);
  return true;
}

/**
 * Why a request is kept, or null when it is not: every 5xx and slow request; every 4xx up to the
 * per-IP budget; anything else (304 included) with probability `sampleRate`.
 */
export function keepReason(
  status: number,
  durationMs: number,
  ip: string,
  options: { slowMs: number; sampleRate: number },
  random: () => number = Math.random,
): KeptBy | null {
  if (status >= 500) return 'error';
  if (durationMs >= options.slowMs) return 'slow';
  if (status >= 400 && clientErrorBudgetLeft(ip, Date.now())) return 'error';
  return options.sampleRate > 0 && random() < options.sampleRate ? 'sample' : null;
}

// ─── What a row holds ────────────────────────────────────────────────────────

/** Query parameters whose VALUES may be stored; of all others only the name is kept (§15.1). */
export const LOGGED_QUERY_KEYS = new Set(['page', 'per_page', 'sort', 'order', 'status', 'type', 'unread', 'include_inactive', 'report_type']);
/** Path parameters that are secrets: their segment is replaced (share tokens, one-time codes). */
const SECRET_PARAMS = /^:(token|code)\b/;
const REDACTED = '[redacted]';
const MAX_PATH = 500;
const MAX_USER_AGENT = 300;
const MAX_QUERY_KEYS = 30;
const MAX_QUERY_KEY_LENGTH = 64;
const MAX_QUERY_VALUE_LENGTH = 64;

/** The concrete path with secret segments replaced, by the matched route and by known shapes. */
export function redactPath(path: string, route: string | null): string {
  let segments = path.split('/');
  if (route) {
    const pattern = route.split('/');
    if (pattern.length === segments.length) segments = segments.map((s, i) => (SECRET_PARAMS.test(pattern[i]!) ? REDACTED : s));
  }
  // Also when no route matched (e.g. an extra segment after a share token).
  const redacted = segments.join('/').replace(/(\/report-shares\/public\/)[^/]+/, `$1${REDACTED}`);
  return redacted.length > MAX_PATH ? redacted.slice(0, MAX_PATH) : redacted;
}

export function queryParts(url: URL): { queryKeys: string[]; query: Record<string, string> | null } {
  const queryKeys: string[] = [];
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (queryKeys.length < MAX_QUERY_KEYS && !queryKeys.includes(key)) queryKeys.push(key.slice(0, MAX_QUERY_KEY_LENGTH));
    if (LOGGED_QUERY_KEYS.has(key) && !(key in query)) query[key] = value.slice(0, MAX_QUERY_VALUE_LENGTH);
  }
  return { queryKeys, query: Object.keys(query).length > 0 ? query : null };
}

export function truncateUserAgent(value: string | undefined): string | null {
  if (!value) return null;
  return value.length > MAX_USER_AGENT ? value.slice(0, MAX_USER_AGENT) : value;
}

export function byteCount(header: string | undefined | null): number | null {
  if (!header || !/^\d{1,10}$/.test(header)) return null;
  const n = Number(header);
  return n <= 2_147_483_647 ? n : null;
}

async function toInsert(rows: PendingLogRow[], secretKey: string) {
  return Promise.all(
    rows.map(async ({ ip, ...row }) => ({ ...row, ipHash: ip && ip !== 'unknown' ? await hashIp(secretKey, ip) : null })),
  );
}

/** What a writer needs: the key of the IP hash, and the log threshold for its own warnings. */
export interface WriterOptions {
  secretKey: string;
  logLevel?: Config['logLevel'];
}

function warnDropped(options: WriterOptions, reason: string, rows: number, error?: unknown) {
  // Never the rows themselves: only how many and the error's class.
  log('warn', 'request log write failed', { reason, rows, error: error instanceof Error ? error.name : undefined }, options.logLevel);
}

// ─── Workers: one INSERT per kept request, through waitUntil ─────────────────

export async function insertRequestLog(db: Database, row: PendingLogRow, options: WriterOptions): Promise<void> {
  try {
    await db.insert(apiRequestLogs).values(await toInsert([row], options.secretKey));
  } catch (error) {
    warnDropped(options, 'insert', 1, error);
  }
}

// ─── Node: a bounded queue written as multi-row INSERTs ──────────────────────

export const QUEUE_MAX_ROWS = 5000;
export const FLUSH_AT_ROWS = 500;
export const FLUSH_INTERVAL_MS = 2000;

export class RequestLogQueue {
  private rows: PendingLogRow[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | undefined;
  /** Rows dropped because the queue was full (oldest first), since the process started. */
  dropped = 0;

  constructor(
    private readonly db: Database,
    private readonly options: WriterOptions,
    private readonly limits = { maxRows: QUEUE_MAX_ROWS, flushAt: FLUSH_AT_ROWS, intervalMs: FLUSH_INTERVAL_MS },
  ) {}

  get size(): number {
    return this.rows.length;
  }

  push(row: PendingLogRow): void {
    this.rows.push(row);
    if (this.rows.length > this.limits.maxRows) {
      const excess = this.rows.length - this.limits.maxRows;
      this.rows.splice(0, excess);
      this.dropped += excess;
      log('warn', 'request log queue full: oldest rows dropped', { dropped: excess, dropped_total: this.dropped }, this.options.logLevel);
    }
    if (this.rows.length >= this.limits.flushAt) void this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.rows.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.limits.intervalMs);
    // Never keeps a process alive on its own (shutdown flushes explicitly).
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Writes what is queued, one INSERT of up to `flushAt` rows at a time, one INSERT in flight at most. */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.rows.length === 0) return Promise.resolve();
    this.writing = (async () => {
      while (this.rows.length > 0) {
        const chunk = this.rows.splice(0, this.limits.flushAt);
        try {
          await this.db.insert(apiRequestLogs).values(await toInsert(chunk, this.options.secretKey));
        } catch (error) {
          warnDropped(this.options, 'batch insert', chunk.length, error);
        }
      }
    })().finally(() => {
      this.writing = undefined;
      this.schedule();
    });
    return this.writing;
  }
}

const queues = new Map<Database, RequestLogQueue>();

export function queueFor(db: Database, options: WriterOptions): RequestLogQueue {
  let queue = queues.get(db);
  if (!queue) {
    queue = new RequestLogQueue(db, options);
    queues.set(db, queue);
  }
  return queue;
}

/** Flushes every queue, giving up after `deadlineMs` (Node shutdown: §15.2 "a 2 s deadline"). */
export async function flushRequestLogs(deadlineMs = 2000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  await Promise.race([Promise.all([...queues.values()].map((q) => q.flush())), deadline]);
  clearTimeout(timer);
}

// ─── Retention ───────────────────────────────────────────────────────────────

export const RETENTION_CHUNK_ROWS = 10_000;

/**
 * Deletes rows older than `retentionDays`, at most `chunk` of them (the oldest first) per call, so a
 * backlog is worked off over several maintenance runs instead of one long statement.
 */
export async function pruneRequestLogs(db: Database, retentionDays: number, chunk = RETENTION_CHUNK_ROWS): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
  const oldest = db
    .select({ id: apiRequestLogs.id })
    .from(apiRequestLogs)
    .where(lt(apiRequestLogs.createdAt, cutoff))
    .orderBy(apiRequestLogs.createdAt)
    .limit(chunk);
  const deleted = await db
    .delete(apiRequestLogs)
    .where(and(lt(apiRequestLogs.createdAt, cutoff), inArray(apiRequestLogs.id, oldest)))
    .returning({ id: apiRequestLogs.id });
  return deleted.length;
}
