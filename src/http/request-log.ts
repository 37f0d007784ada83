/**
 * The request-log middleware (SPEC-WAVE2 §15): after the handler (and onError / notFound) produced
 * the response, it decides whether the request is kept and hands a row to a writer that runs AFTER the
 * response is returned and is never awaited by it — `waitUntil` on Workers, the batching queue on Node
 * (services/request-logs.ts). Nothing here reads a body, and the only header kept is the user agent.
 * It can never change the response: everything after `next()` is guarded.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { AppError } from '../errors.js';
import {
  byteCount,
  insertRequestLog,
  keepReason,
  queryParts,
  queueFor,
  redactPath,
  truncateUserAgent,
  type PendingLogRow,
} from '../services/request-logs.js';
import type { AppEnv } from '../types.js';
import { clientIp, executionContextOf } from './context.js';
import { toAppError } from './error-handler.js';
import { log } from './logger.js';

/** Never recorded: preflights, the health probe and the API's own documentation (§15.1). */
const SKIPPED_PATHS = new Set(['/api/health', '/api/docs', '/api/openapi.json']);

/** The matched route pattern (`/api/analyses/:id`), or null when only middleware matched (a 404). */
function matchedRoute(c: Context<AppEnv>): string | null {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
  }
  return null;
}

function errorCodeOf(c: Context<AppEnv>, status: number): string | null {
  if (status < 400) return null;
  if (c.error) return c.error instanceof AppError ? c.error.code : toAppError(c.error).appError.code;
  return status === 404 ? 'NOT_FOUND' : null;
}


function record(c: Context<AppEnv>, startedAt: number): void {
  const config = c.get('config');
  if (!config?.requestLog.enabled) return;
  const { method } = c.req;
  if (method === 'OPTIONS' || SKIPPED_PATHS.has(c.req.path)) return;

  const status = c.res.status;
  const durationMs = Math.round(performance.now() - startedAt);
  const ip = clientIp(c);
  const keptBy = keepReason(status, durationMs, ip, config.requestLog);
  if (!keptBy) return;

  const route = matchedRoute(c);
  const executionCtx = executionContextOf(c);
  const row: PendingLogRow = {
    createdAt: new Date(),
    requestId: c.get('requestId'),
    method,
    route: route ?? 'unmatched',
    path: redactPath(c.req.path, route),
    ...queryParts(new URL(c.req.url)),
    status,
    errorCode: errorCodeOf(c, status),
    durationMs,
    userId: c.get('user')?.id ?? null,
    ip,
    userAgent: truncateUserAgent(c.req.header('user-agent')),
    requestBytes: byteCount(c.req.header('content-length')),
    responseBytes: byteCount(c.res.headers.get('content-length')),
    runtime: executionCtx ? 'workers' : 'node',
    keptBy,
  };
  const writer = { secretKey: config.secretKey, logLevel: config.logLevel };
  if (executionCtx) executionCtx.waitUntil(insertRequestLog(c.get('db'), row, writer));
  else queueFor(c.get('db'), writer).push(row);
}

export const requestLogRecorder: MiddlewareHandler<AppEnv> = async (c, next) => {
  const startedAt = performance.now();
  await next();
  try {
    record(c, startedAt);
  } catch (error) {
    log('warn', 'request log skipped', { error: error instanceof Error ? error.name : 'unknown' }, c.get('config')?.logLevel);
  }
};
