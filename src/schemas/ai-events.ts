/**
 * Payloads of the server-sent events of `POST /ai/generate-analysis` and `POST /ai/chat` (SPEC §10
 * "SSE events"), named for the OpenAPI document: the `text/event-stream` variants list them by event.
 */
import * as z from 'zod';
import { SECTION_NAMES } from '../db/schema.js';
import { ERROR_CODES } from '../errors.js';
import { named } from './registry.js';

export const SectionProgressEvent = named(
  'SectionProgressEvent',
  z.object({
    section: z.enum(SECTION_NAMES),
    status: z.enum(['processing', 'completed', 'failed']),
    error_code: z.string().optional().describe('Why the section failed (section_failed only).'),
  }),
  'A section started (`processing`), completed or failed.',
);

export const StreamErrorEvent = named(
  'StreamErrorEvent',
  z.object({
    error_code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
  'An error after the stream started; it is the last event.',
);

export const ChatDeltaEvent = named('ChatDeltaEvent', z.object({ text: z.string() }), 'The next piece of the reply.');
