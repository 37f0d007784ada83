/**
 * The Anthropic client, made per request from config, and the one retry policy every model call uses.
 *
 * The SDK's own retries are switched off (`maxRetries: 0`): it honours any `retry-after`, however long,
 * and retries timeouts without a total bound. Here each call has a DEADLINE; an attempt gets at most
 * `attemptTimeoutMs` and never more than what is left; 429/5xx/529/network/timeout failures are retried
 * with exponential backoff (or the server's `retry-after` when it fits the budget) up to `maxAttempts`.
 * So the worst case of one call is bounded by its deadline, whatever the upstream does.
 * Everything here is fetch-based and runs unchanged on Workers and Node.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../config.js';
import { MessagesClient } from './anthropic.js';
import { AiCallError, classifyAiError, type AiFailureCode } from './errors.js';

export interface AiTuning {
  /** One HTTP attempt. */
  attemptTimeoutMs: number;
  /** Attempts per call, first one included. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A longer `retry-after` ends the call at once rather than waiting past any useful point. */
  maxRetryAfterMs: number;
  /** Whole budget of one report section (attempts, backoff and the repair turn). Also capped by AI_SECTION_TIMEOUT_S. */
  sectionBudgetMs: number;
  /** Budget of one chat / invoke-llm / validate-idea call. */
  interactiveBudgetMs: number;
  /** Sections of one run generated at the same time. Six = a premium report costs one call's latency. */
  sectionConcurrency: number;
}

/**
 * What a user waits for at worst. A section reply streams at roughly 50–80 tokens/s, so even the largest
 * first attempt (market, 8,192 tokens) normally lands well inside 90 s; a model call that hangs is cut
 * there, and a section gives up after 150 s in all (a second attempt gets what is left), is stored
 * failed and its share refunded at once — instead of holding the run `processing` for five minutes.
 */
const DEFAULT_TUNING: AiTuning = {
  attemptTimeoutMs: 90_000,
  maxAttempts: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
  maxRetryAfterMs: 20_000,
  sectionBudgetMs: 150_000,
  interactiveBudgetMs: 90_000,
  sectionConcurrency: 6,
};

/** The active tuning. Not configuration an operator sets: tests shorten it to exercise timeouts quickly. */
export const aiTuning: AiTuning = { ...DEFAULT_TUNING };

/** Overrides part of the tuning; returns a function restoring the previous values. */
export function setAiTuning(overrides: Partial<AiTuning>): () => void {
  const before = { ...aiTuning };
  Object.assign(aiTuning, overrides);
  return () => void Object.assign(aiTuning, before);
}

export interface AiContext {
  client: MessagesClient;
  model: string;
}

/** null when ANTHROPIC_API_KEY is unset: the caller answers 503 AI_UNAVAILABLE before doing anything. */
export function aiContextFor(config: Config): AiContext | null {
  const { apiKey, model, baseUrl } = config.anthropic;
  if (!apiKey) return null;
  const client = new MessagesClient({
    apiKey,
    // Explicit values, so nothing is picked up from a process environment behind the config's back.
    authToken: null,
    baseURL: baseUrl ?? 'https://api.anthropic.com',
    maxRetries: 0,
    timeout: aiTuning.attemptTimeoutMs,
  });
  return { client, model };
}

/** One HTTP attempt, as recorded in ai_usage. */
export interface AttemptRecord {
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  ok: boolean;
  errorCode: AiFailureCode | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function backoffMs(attempt: number): number {
  const base = Math.min(aiTuning.backoffBaseMs * 2 ** (attempt - 1), aiTuning.backoffMaxMs);
  return base * (0.75 + Math.random() * 0.25); // jitter, so concurrent sections do not retry in lockstep
}

/**
 * Runs `attempt(timeoutMs)` under the retry policy until it succeeds or the policy gives up, pushing
 * one record per failed attempt into `records`; the caller records the successful one (it knows the usage).
 */
export async function withRetries<T>(
  deadline: number,
  records: AttemptRecord[],
  attempt: (timeoutMs: number) => Promise<T>,
  canRetry: () => boolean = () => true,
): Promise<T> {
  for (let n = 1; ; n++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new AiCallError('AI_TIMEOUT', 'call budget exhausted');
    const started = Date.now();
    try {
      return await attempt(Math.max(1, Math.min(aiTuning.attemptTimeoutMs, left)));
    } catch (error) {
      const failure = classifyAiError(error);
      records.push({ durationMs: Date.now() - started, inputTokens: 0, outputTokens: 0, ok: false, errorCode: failure.code });
      if (!failure.retryable || n >= aiTuning.maxAttempts || !canRetry()) throw new AiCallError(failure.code);
      // The server's own Retry-After wins when it fits; one that does not fit ends the call now.
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > aiTuning.maxRetryAfterMs) throw new AiCallError(failure.code);
      const wait = failure.retryAfterMs ?? backoffMs(n);
      if (Date.now() + wait >= deadline) throw new AiCallError(failure.code);
      await sleep(wait);
    }
  }
}

export interface CallResult {
  message: Anthropic.Message;
  records: AttemptRecord[];
}

/** A non-streaming Messages call under the retry policy. Failures throw AiCallError with `records` attached. */
export async function createMessage(
  ai: AiContext,
  params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'model'>,
  deadline: number,
): Promise<CallResult> {
  const records: AttemptRecord[] = [];
  try {
    let started = 0;
    const message = await withRetries(deadline, records, (timeout) => {
      started = Date.now();
      return ai.client.messages.create({ ...params, model: ai.model, stream: false }, { timeout, maxRetries: 0 });
    });
    records.push({ durationMs: Date.now() - started, ...usageOf(message), ok: true, errorCode: null });
    return { message, records };
  } catch (error) {
    throw attachRecords(error, records);
  }
}

export function usageOf(message: Pick<Anthropic.Message, 'usage'>) {
  const u = message.usage;
  return {
    inputTokens: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
    outputTokens: u.output_tokens ?? 0,
  };
}

export type FailedCall = AiCallError & { records: AttemptRecord[] };

export function attachRecords(error: unknown, records: AttemptRecord[]): FailedCall {
  const failure = error instanceof AiCallError ? error : new AiCallError(classifyAiError(error).code);
  return Object.assign(failure, { records });
}
