/**
 * What the assistant sees (SPEC §6, §10): a system prompt with the caller's own premium report as a
 * data block trimmed to a token budget, and the previous 20 messages of the conversation plus the new one.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage, SectionName } from '../db/schema.js';
import { neutralize } from './prompts/data-block.js';
import { ideaBlock, promptsFor, type IdeaInput, type PromptLang } from './prompts/index.js';

/** Rough and on the safe side: Claude averages ~4 characters per token in English, fewer in Arabic. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 3);

export const REPORT_CONTEXT_TOKENS = 12_000;
export const HISTORY_MESSAGES = 20;
export const HISTORY_TOKENS = 30_000;

/** Most useful first: when the budget runs out, the technical detail is what goes. */
const SECTION_PRIORITY: SectionName[] = ['overview', 'market', 'strategy', 'financial', 'business', 'technical'];

export interface ReportForChat extends IdeaInput {
  sections: { section: SectionName; content: unknown }[];
}

/** The report as `<report>` data, cut to `budgetTokens`; a section that does not fit whole is truncated, then the rest dropped. */
export function reportContext(report: ReportForChat, budgetTokens = REPORT_CONTEXT_TOKENS): { text: string; truncated: boolean } {
  let left = budgetTokens * 3; // back to characters, matching estimateTokens
  const parts: string[] = [];
  const idea = ideaBlock(report);
  parts.push(idea);
  left -= idea.length;
  let truncated = false;
  const byName = new Map(report.sections.map((s) => [s.section, s.content]));
  for (const name of SECTION_PRIORITY) {
    const content = byName.get(name);
    if (content === undefined || content === null) continue;
    const body = neutralize(JSON.stringify(content));
    const open = `<section name="${name}">`;
    const room = left - open.length - '</section>'.length - 1;
    if (room <= 200) {
      truncated = true;
      break;
    }
    const fits = body.length <= room;
    parts.push(`${open}${fits ? body : `${body.slice(0, room - 20)} …[truncated]`}</section>`);
    left -= open.length + Math.min(body.length, room) + 11;
    if (!fits) {
      truncated = true;
      break;
    }
  }
  return { text: `<report>\n${parts.join('\n')}\n</report>`, truncated };
}

export function chatSystemPrompt(lang: PromptLang, report: ReportForChat | null): string {
  const base = promptsFor(lang).chatSystem(report !== null);
  return report ? `${base}\n\n${reportContext(report).text}` : base;
}

/**
 * The previous `HISTORY_MESSAGES` messages plus the new one, oldest dropped first if they exceed the
 * history budget, never starting with an assistant turn.
 */
export function chatMessages(history: readonly ChatMessage[], message: string): Anthropic.MessageParam[] {
  const window = history.slice(-HISTORY_MESSAGES);
  let budget = HISTORY_TOKENS - estimateTokens(message);
  const kept: ChatMessage[] = [];
  for (let i = window.length - 1; i >= 0; i--) {
    const cost = estimateTokens(window[i]!.content);
    if (cost > budget) break;
    budget -= cost;
    kept.unshift(window[i]!);
  }
  while (kept[0]?.role === 'assistant') kept.shift();
  return [...kept.map((m) => ({ role: m.role, content: m.content })), { role: 'user', content: message }];
}
