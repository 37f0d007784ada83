/**
 * JSON logs: one line per request (CONVENTIONS §14) and one per unexpected error.
 * Never log bodies, tokens, passwords or payment proofs: only the fields passed here.
 */
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv } from '../types.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Config['logLevel'], number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function log(level: Level, msg: string, fields: Record<string, unknown>, threshold: Config['logLevel'] = 'info') {
  if (RANK[level] < RANK[threshold]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

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
      request_id: c.var.requestId,
      user_id: c.var.user?.id,
    },
    c.var.config?.logLevel,
  );
};
