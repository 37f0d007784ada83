/**
 * JSON logs: one line per request (CONVENTIONS §14) and one per unexpected error.
 * Never log bodies, tokens, passwords or payment proofs: only the fields passed here.
 */
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv } from '../types.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Config['logLevel'], number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Where log lines go: the console by default (Workers collect it); Node installs a batching sink. */
export type LogSink = (line: string, level: Level) => void;

const consoleSink: LogSink = (line, level) => (level === 'error' ? console.error(line) : console.log(line));
let sink: LogSink = consoleSink;

/** Replaces the sink (null: back to the console). */
export function setLogSink(next: LogSink | null): void {
  sink = next ?? consoleSink;
}

export function log(level: Level, msg: string, fields: Record<string, unknown>, threshold: Config['logLevel'] = 'info') {
  if (RANK[level] < RANK[threshold]) return;
  sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }), level);
}

/**
 * A sink for Node: lines are joined and written once per turn of the event loop (stdout to a file or a
 * pipe is a synchronous write per call, one system call per request under load), errors at once to
 * stderr; `flush()` writes what is pending (call it before the process exits).
 */
export function batchingSink(write: (chunk: string) => void, writeError: (chunk: string) => void) {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    write(chunk);
  };
  const sink: LogSink = (line, level) => {
    if (level === 'error') {
      flush();
      writeError(`${line}\n`);
      return;
    }
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return { sink, flush };
}

/** Reads variables with `c.get`: hono's `c.var` copies every variable into a new object on each read. */
export const requestLogger: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const status = c.res.status;
  log(
    status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
    'request',
    {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      request_id: c.get('requestId'),
      user_id: c.get('user')?.id,
    },
    c.get('config')?.logLevel,
  );
};
