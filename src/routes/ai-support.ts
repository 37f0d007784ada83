/** Pieces shared by the AI routes: the 503 gate, content negotiation and the SSE writer. */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { aiContextFor, type AiContext } from '../ai/client.js';
import { AppError } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { log } from '../http/logger.js';
import { typed, type EventStream } from '../http/typed-response.js';
import { translate } from '../i18n/messages.js';
import type { AppEnv } from '../types.js';

/** AI not configured → 503 AI_UNAVAILABLE, before anything is read, charged or sent. */
export function requireAi(c: Context<AppEnv>): AiContext {
  const ai = aiContextFor(c.var.config);
  if (!ai) throw new AppError('AI_UNAVAILABLE');
  return ai;
}

export function wantsEventStream(c: Context<AppEnv>): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes('text/event-stream');
}

export type SendEvent = (event: string, data: unknown) => void;
export type FailStream = (error: AppError) => void;

const HEARTBEAT_MS = 15_000;

/**
 * An SSE response whose events are written in order WITHOUT making the producer wait for the client:
 * a slow or vanished reader never stalls a generation run. Any error thrown by `body` becomes one
 * `error` event `{error_code, message}` (never an internal message) and ends the stream. A comment line
 * every 15 s keeps proxies from closing a quiet stream while a long section is generated. Typed as an event
 * stream (http/typed-response.ts), so hono/client keeps the route's JSON variant typed.
 */
export function sseResponse(c: Context<AppEnv>, body: (send: SendEvent, fail: FailStream) => Promise<void>) {
  return typed<EventStream>(streamSSE(c, async (stream) => {
    let queue: Promise<void> = Promise.resolve();
    let ended = false;
    const enqueue = (write: () => Promise<void>) => {
      queue = queue.then(write).catch(() => {
        ended = true; // the client went away; keep the producer going, stop writing
      });
    };
    const send: SendEvent = (event, data) => {
      if (!ended) enqueue(() => stream.writeSSE({ event, data: JSON.stringify(data) }));
    };
    const fail: FailStream = (error) => {
      send('error', {
        error_code: error.code,
        message: translate(error.messageKey, c.var.lang, error.params),
        ...(error.details ? { details: error.details } : {}),
      });
      ended = true;
    };
    const heartbeat = setInterval(() => {
      if (!ended) enqueue(() => stream.write(': keep-alive\n\n').then(() => undefined));
    }, HEARTBEAT_MS);
    try {
      await body(send, fail);
    } catch (error) {
      const { appError, expected } = toAppError(error);
      if (!expected) log('error', 'error in event stream', { request_id: c.var.requestId, error: String(error) }, c.var.config.logLevel);
      fail(appError);
    } finally {
      clearInterval(heartbeat);
      await queue;
    }
  }));
}
