/**
 * A streaming Messages call under the same retry policy as createMessage, with one difference: once a
 * text delta has been handed to the caller (and so to the client), a failure is final — retrying would
 * repeat text the user has already seen. The whole call, body included, is bounded by the deadline.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { attachRecords, successRecord, withRetries, type AiContext, type CallResult } from './client.js';
import { AiCallError } from './errors.js';

export async function streamMessage(
  ai: AiContext,
  params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'model' | 'stream'>,
  deadline: number,
  onText: (delta: string) => void,
): Promise<CallResult> {
  const records: CallResult['records'] = [];
  let emitted = false;
  let started = 0;
  try {
    const message = await withRetries(
      deadline,
      records,
      async (timeout) => {
        started = Date.now();
        // The SDK timeout covers the wait for the response; this signal also bounds the streamed body.
        const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
        const stream = ai.client.messages.stream({ ...params, model: ai.model }, { timeout, maxRetries: 0, signal });
        stream.on('text', (delta) => {
          emitted = true;
          onText(delta);
        });
        try {
          return await stream.finalMessage();
        } catch (error) {
          if (signal.aborted) throw new AiCallError('AI_TIMEOUT', 'stream deadline');
          throw error;
        }
      },
      () => !emitted,
    );
    records.push(successRecord(ai, message, Date.now() - started));
    return { message, records };
  } catch (error) {
    throw attachRecords(error, records);
  }
}
