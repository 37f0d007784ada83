/**
 * The AI opinion of validate-idea: one forced strict tool call, validated with zod like a report section.
 * Any failure is returned as a code, never thrown: the caller then answers with the local verdict,
 * `ai_checked: false` and that code as `ai_error` (it never fails open silently).
 */
import * as z from 'zod';
import { createMessage, aiTuning, type AiContext, type AttemptRecord, type FailedCall } from './client.js';
import type { AiFailureCode } from './errors.js';
import { modelSchema } from './json-schema.js';
import { dataBlock } from './prompts/data-block.js';
import { promptsFor, type PromptLang } from './prompts/index.js';

export const IdeaOpinionSchema = z.strictObject({
  is_business_idea: z.boolean().describe('true when the submission describes a product or service someone could sell.'),
  confidence: z.number().min(0).max(1).describe('How sure you are of is_business_idea, from 0 to 1.'),
  industry_match: z.boolean().nullable().describe('Whether the stated industry fits the idea; null when no industry was given.'),
  note: z.string().trim().min(1).max(500).describe('One short sentence explaining the judgement.'),
});
export type IdeaOpinion = z.infer<typeof IdeaOpinionSchema>;

const TOOL_NAME = 'validate_idea';
let tool: { name: string; description: string; strict: true; input_schema: { type: 'object'; [k: string]: unknown } } | undefined;

function opinionTool() {
  tool ??= {
    name: TOOL_NAME,
    description: 'Record whether the submission is a real business idea.',
    strict: true,
    input_schema: modelSchema(IdeaOpinionSchema) as { type: 'object'; [k: string]: unknown },
  };
  return tool;
}

export type OpinionResult =
  | { ok: true; opinion: IdeaOpinion; records: AttemptRecord[] }
  | { ok: false; errorCode: AiFailureCode; records: AttemptRecord[] };

export async function askIdeaOpinion(
  ai: AiContext,
  input: { businessIdea: string; industry: string | null },
  lang: PromptLang,
): Promise<OpinionResult> {
  const p = promptsFor(lang);
  const submission = dataBlock('submission', { business_idea: input.businessIdea, industry: input.industry });
  try {
    const { message, records } = await createMessage(
      ai,
      {
        system: p.validateSystem,
        max_tokens: 400,
        tools: [opinionTool()],
        tool_choice: { type: 'tool', name: TOOL_NAME },
        messages: [{ role: 'user', content: `${submission}\n\n${p.validateRequest(input.industry !== null)}` }],
      },
      Date.now() + aiTuning.interactiveBudgetMs,
    );
    const call = message.content.find((b) => b.type === 'tool_use' && b.name === TOOL_NAME);
    const parsed = call?.type === 'tool_use' ? IdeaOpinionSchema.safeParse(call.input) : undefined;
    if (message.stop_reason === 'max_tokens' || !parsed?.success) {
      const errorCode: AiFailureCode = message.stop_reason === 'max_tokens' ? 'AI_OUTPUT_TRUNCATED' : 'AI_OUTPUT_INVALID';
      const last = records[records.length - 1];
      if (last) Object.assign(last, { ok: false, errorCode });
      return { ok: false, errorCode, records };
    }
    return { ok: true, opinion: parsed.data, records };
  } catch (error) {
    const failed = error as FailedCall;
    return { ok: false, errorCode: failed.code ?? 'AI_SERVER_ERROR', records: failed.records ?? [] };
  }
}
