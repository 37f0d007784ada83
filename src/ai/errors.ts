/**
 * What went wrong with a model call, as a stable code. These codes are stored on failed sections
 * (`analysis_sections.error_code`) and ai_usage rows, and shown to clients; an upstream message never is.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from './anthropic.js';

export const AI_FAILURE_CODES = [
  'AI_TIMEOUT', // no answer within the per-attempt timeout or the call's budget
  'AI_RATE_LIMITED', // 429 from the API, still refused after the retries the budget allowed
  'AI_OVERLOADED', // 529 (or an overloaded_error event mid-stream)
  'AI_SERVER_ERROR', // other 5xx
  'AI_NETWORK_ERROR', // the connection failed or dropped
  'AI_REQUEST_REJECTED', // a 4xx other than 429: our request or our key is wrong (logged)
  'AI_OUTPUT_TRUNCATED', // stop_reason max_tokens, also after the bigger retry
  'AI_OUTPUT_INVALID', // the reply did not match the section schema, also after the repair turn
  'AI_REFUSED', // stop_reason refusal
  'AI_ABORTED',
] as const;

export type AiFailureCode = (typeof AI_FAILURE_CODES)[number];

export interface Classified {
  code: AiFailureCode;
  retryable: boolean;
  /** From `retry-after-ms` / `retry-after`, when the API sent one. */
  retryAfterMs: number | undefined;
}

function retryAfterOf(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function classifyAiError(error: unknown): Classified {
  if (error instanceof AiCallError) return { code: error.code, retryable: false, retryAfterMs: undefined };
  if (error instanceof APIUserAbortError) return { code: 'AI_ABORTED', retryable: false, retryAfterMs: undefined };
  if (error instanceof APIConnectionTimeoutError) return { code: 'AI_TIMEOUT', retryable: true, retryAfterMs: undefined };
  if (error instanceof APIConnectionError) return { code: 'AI_NETWORK_ERROR', retryable: true, retryAfterMs: undefined };
  if (error instanceof APIError) {
    const retryAfterMs = retryAfterOf(error.headers);
    const status = error.status;
    // Errors inside an SSE stream arrive without a status: classify them by type.
    if (status === 529 || error.type === 'overloaded_error') return { code: 'AI_OVERLOADED', retryable: true, retryAfterMs };
    if (status === 429 || error.type === 'rate_limit_error') return { code: 'AI_RATE_LIMITED', retryable: true, retryAfterMs };
    if (status === undefined || status >= 500 || status === 408 || status === 409) {
      return { code: 'AI_SERVER_ERROR', retryable: true, retryAfterMs };
    }
    return { code: 'AI_REQUEST_REJECTED', retryable: false, retryAfterMs };
  }
  // Anything else (a TypeError from a broken fetch shim, …) is treated like a dropped connection.
  return { code: 'AI_NETWORK_ERROR', retryable: false, retryAfterMs: undefined };
}

/** A model call that ended without a usable answer. */
export class AiCallError extends Error {
  constructor(
    readonly code: AiFailureCode,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'AiCallError';
  }
}
