/**
 * The assistant may offer a rewrite (issue 15 §3): in a conversation about a report, the model can call
 * `propose_regeneration` with the sections to rewrite and a feedback text. Nothing runs: the chat reply
 * carries `proposal` — exactly the body the client sends back to POST /api/ai/generate-analysis when the
 * founder accepts (so the force cap and the charging rules of SPEC §10 apply there, unchanged).
 */
import type Anthropic from '@anthropic-ai/sdk';
import * as z from 'zod';
import { SECTION_NAMES, type SectionName } from '../db/schema.js';
import { sectionsForTier } from '../services/analyses.js';
import { modelSchema } from './json-schema.js';
import type { PromptLang } from './prompts/index.js';

export const PROPOSE_TOOL = 'propose_regeneration';

const ProposalInput = z.strictObject({
  sections: z.array(z.enum(SECTION_NAMES)).min(1).max(6).describe('The report sections to rewrite.'),
  feedback: z.string().trim().min(1).max(2000).describe("What to change, in the founder's words, for the analyst who rewrites them."),
});

let tool: Anthropic.Tool | undefined;

export function proposeTool(): Anthropic.Tool {
  tool ??= {
    name: PROPOSE_TOOL,
    description:
      'Offer the founder to rewrite sections of their report with a feedback text. Only when the founder asks for changes ' +
      'to the report; the founder decides whether to run it.',
    strict: true,
    input_schema: modelSchema(ProposalInput) as Anthropic.Tool['input_schema'],
  };
  return tool;
}

const GUIDE: Record<PromptLang, string> = {
  en:
    'If the founder asks to change parts of their report, you may call propose_regeneration with the sections to rewrite and a ' +
    'short feedback text saying what to change; also tell them in one sentence what you propose. Never claim it has already run.',
  ar:
    'إن طلب المؤسس تغيير أجزاء من تقريره فيمكنك استدعاء propose_regeneration مع الأقسام المطلوب إعادة كتابتها ونص ملاحظات قصير ' +
    'يوضح ما يجب تغييره، وأخبره في جملة واحدة بما تقترحه. لا تدّعِ أبداً أن إعادة الكتابة قد تمت.',
};

export const proposeGuide = (lang: PromptLang) => GUIDE[lang];

export interface Proposal {
  analysis_id: string;
  sections: SectionName[];
  feedback: string;
  force: true;
}

/** The proposal in the model's reply, if it made a valid one for sections of the report's tier. */
export function proposalOf(message: Anthropic.Message, analysisId: string, tier: string): Proposal | undefined {
  const call = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === PROPOSE_TOOL);
  const parsed = call ? ProposalInput.safeParse(call.input) : undefined;
  if (!parsed?.success) return undefined;
  const allowed = sectionsForTier(tier);
  const sections = allowed.filter((s) => parsed.data.sections.includes(s));
  if (sections.length === 0) return undefined;
  return { analysis_id: analysisId, sections, feedback: parsed.data.feedback, force: true };
}

export const DEFAULT_PROPOSAL_TEXT: Record<PromptLang, string> = {
  en: 'I can rewrite these sections of your report with your feedback. Send the proposal back to run it.',
  ar: 'يمكنني إعادة كتابة هذه الأقسام من تقريرك وفق ملاحظاتك. أرسل الاقتراح لتنفيذه.',
};
