/**
 * When queued mail leaves (SPEC-WAVE2 §11.2, §0.1):
 * - after a response, the rows that request queued (priority 0 and 1 only, 20 s budget): on Workers
 *   through `executionCtx.waitUntil`, on Node on the next turn of the event loop, never awaited by the
 *   response;
 * - the Worker cron every minute and a Node interval (`EMAIL_DISPATCH_INTERVAL_MS`) drain every due row.
 * With EMAIL_PROVIDER=none nothing can leave, so nothing is dispatched after a response.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import { executionContextOf } from '../http/context.js';
import { log } from '../http/logger.js';
import { serverErrorAlert } from './events.js';
import type { AppEnv } from '../types.js';
import { dispatchOutbox, type DispatchReport } from './dispatch.js';
import { queuedIds } from './outbox.js';

const AFTER_RESPONSE_BUDGET_MS = 20_000;

/** Dispatches started after responses on Node (tests and graceful shutdown wait for them). */
const inFlight = new Set<Promise<unknown>>();

export function runDispatch(db: Database, config: Config, options: Parameters<typeof dispatchOutbox>[2] = {}): Promise<DispatchReport | undefined> {
  return dispatchOutbox(db, config, options).catch((error: unknown) => {
    log('error', 'email dispatch failed', { error: String(error) }, config.logLevel);
    return undefined;
  });
}

/** Resolves when every dispatch started after a response (Node) has finished. */
export async function settleDispatches(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/** Runs `work` after the response: `waitUntil` on Workers, the next event-loop turn on Node. */
function afterResponse(c: Context<AppEnv>, work: () => Promise<unknown>): void {
  const executionCtx = executionContextOf(c);
  if (executionCtx) {
    executionCtx.waitUntil(work());
    return;
  }
  const run = new Promise<void>((resolve) => setTimeout(() => void work().finally(resolve), 0));
  inFlight.add(run);
  void run.finally(() => inFlight.delete(run));
}

export const dispatchQueuedMail: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // c.get, not c.var: hono's `c.var` copies every variable into a new object on each read (per request, issue 16).
  if (c.res.status === 500 && c.get('config')?.email.adminAlert.address) {
    // The aggregated server-error alert; its own failure is only logged.
    const { db, config } = c.var;
    const code = c.error instanceof AppError ? c.error.code : 'INTERNAL_ERROR';
    afterResponse(c, async () => {
      try {
        const statement = serverErrorAlert(db, config, code);
        if (statement) await statement;
      } catch (error) {
        log('error', 'server-error alert not recorded', { error: String(error) }, config.logLevel);
      }
    });
  }
  const ids = queuedIds(c);
  if (ids.length === 0 || c.get('config')?.email.provider === 'none') return;
  const { db, config } = c.var;
  afterResponse(c, () => runDispatch(db, config, { ids, maxPriority: 1, budgetMs: AFTER_RESPONSE_BUDGET_MS }));
};

/** Node: drains due rows every EMAIL_DISPATCH_INTERVAL_MS; `stop()` waits up to 5 s for a run in progress. */
export function startOutboxInterval(db: Database, config: Config): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running || config.email.provider === 'none') return;
    running = runDispatch(db, config).finally(() => (running = undefined));
  }, config.email.dispatchIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      const pending = [running, ...inFlight].filter(Boolean);
      if (pending.length > 0) await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
