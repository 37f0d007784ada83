/**
 * One report section = one schema-constrained model call (a forced strict tool), validated with the
 * section's full zod schema. A truncated reply (stop_reason max_tokens) or an invalid one gets ONE
 * second chance — a bigger budget and a request for concision, or a repair turn that shows the model
 * its schema errors — inside the section's deadline. Nothing unvalidated ever leaves this module.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type * as z from 'zod';
import type { SectionName } from '../db/schema.js';
import { createMessage, type AiContext, type AttemptRecord, type FailedCall } from './client.js';
import type { AiFailureCode } from './errors.js';
import { promptsFor, sectionPrompt, type IdeaInput, type PromptLang, type SectionExtras } from './prompts/index.js';
import { SECTION_SPECS, sectionTool } from './sections/index.js';

export type SectionOutcome =
  | { section: SectionName; ok: true; content: Record<string, unknown>; records: AttemptRecord[] }
  | { section: SectionName; ok: false; errorCode: AiFailureCode; records: AttemptRecord[] };

/** Content-level second chances per section (repair or bigger budget): one, as the issue asks. */
const SECOND_CHANCES = 1;

export function describeIssues(error: z.ZodError, limit = 12): string {
  const lines = error.issues.slice(0, limit).map((i) => `- ${i.path.join('.') || '(root)'}: ${i.message}`);
  if (error.issues.length > limit) lines.push(`- … and ${error.issues.length - limit} more`);
  return lines.join('\n');
}

type Verdict =
  | { kind: 'ok'; content: Record<string, unknown> }
  | { kind: 'truncated' }
  | { kind: 'refused' }
  | { kind: 'invalid'; issues: string; toolUse: Anthropic.ToolUseBlock | undefined };

function judge(message: Anthropic.Message, section: SectionName, toolName: string): Verdict {
  if (message.stop_reason === 'max_tokens') return { kind: 'truncated' };
  if (message.stop_reason === 'refusal') return { kind: 'refused' };
  const toolUse = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === toolName);
  if (!toolUse) return { kind: 'invalid', issues: `- the tool ${toolName} was not called`, toolUse: undefined };
  const parsed = SECTION_SPECS[section].schema.safeParse(toolUse.input);
  if (parsed.success) return { kind: 'ok', content: parsed.data as Record<string, unknown> };
  return { kind: 'invalid', issues: describeIssues(parsed.error), toolUse };
}

export async function generateSection(
  ai: AiContext,
  idea: IdeaInput,
  section: SectionName,
  lang: PromptLang,
  deadline: number,
  extras: SectionExtras = {},
): Promise<SectionOutcome> {
  const spec = SECTION_SPECS[section];
  const tool = sectionTool(section);
  const prompt = sectionPrompt(idea, section, lang, tool.name, extras);
  const records: AttemptRecord[] = [];
  const base = { system: prompt.system, tools: [tool], tool_choice: { type: 'tool' as const, name: tool.name } };

  let messages = prompt.messages;
  let maxTokens = spec.maxTokens;
  let lastFailure: AiFailureCode = 'AI_OUTPUT_INVALID';
  for (let round = 0; round <= SECOND_CHANCES; round++) {
    let message: Anthropic.Message;
    try {
      const result = await createMessage(ai, { ...base, messages, max_tokens: maxTokens }, deadline);
      records.push(...result.records);
      message = result.message;
    } catch (error) {
      const failed = error as FailedCall;
      records.push(...(failed.records ?? []));
      return { section, ok: false, errorCode: failed.code ?? 'AI_SERVER_ERROR', records };
    }
    const verdict = judge(message, section, tool.name);
    if (verdict.kind === 'ok') return { section, ok: true, content: verdict.content, records };
    if (verdict.kind === 'refused') return { section, ok: false, errorCode: 'AI_REFUSED', records };
    // Mark the successful HTTP call as a failed model call: it produced nothing we can store.
    const last = records[records.length - 1];
    if (verdict.kind === 'truncated') {
      lastFailure = 'AI_OUTPUT_TRUNCATED';
      if (last) Object.assign(last, { ok: false, errorCode: lastFailure });
      maxTokens = spec.maxTokensRetry;
      messages = [
        { role: 'user', content: `${(prompt.messages[0]!.content as string)}\n\n${promptsFor(lang).concise}` },
      ];
    } else {
      lastFailure = 'AI_OUTPUT_INVALID';
      if (last) Object.assign(last, { ok: false, errorCode: lastFailure });
      messages = verdict.toolUse ? repairTurn(prompt.messages, verdict.toolUse, verdict.issues, lang) : prompt.messages;
    }
  }
  return { section, ok: false, errorCode: lastFailure, records };
}

/** Shows the model its own invalid call and the schema errors, asking for a corrected call. */
function repairTurn(
  first: Anthropic.MessageParam[],
  toolUse: Anthropic.ToolUseBlock,
  issues: string,
  lang: PromptLang,
): Anthropic.MessageParam[] {
  return [
    ...first,
    { role: 'assistant', content: [toolUse] },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUse.id, is_error: true, content: promptsFor(lang).repair(issues) }],
    },
  ];
}
