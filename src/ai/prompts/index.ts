/** Builds the messages of each kind of model call from the prompt pack of the report's language. */
import type Anthropic from '@anthropic-ai/sdk';
import type { SectionName } from '../../db/schema.js';
import { ar } from './ar.js';
import { dataBlock, neutralize } from './data-block.js';
import { en } from './en.js';
import type { PromptPack } from './types.js';

export type PromptLang = 'en' | 'ar';

export const promptsFor = (lang: PromptLang): PromptPack => (lang === 'ar' ? ar : en);

/** The analysis fields the model sees: the founder's own words, as data. */
export interface IdeaInput {
  businessIdea: string;
  industry: string | null;
  targetMarket: string | null;
  location: string | null;
  budget: string | null;
}

export function ideaBlock(idea: IdeaInput): string {
  return dataBlock('analysis_input', {
    business_idea: idea.businessIdea,
    industry: idea.industry,
    target_market: idea.targetMarket,
    location: idea.location,
    budget: idea.budget,
  });
}

export interface SectionPrompt {
  system: string;
  messages: Anthropic.MessageParam[];
}

/** Issue 15: what a section call may carry besides the idea, every part as delimited data. */
export interface SectionExtras {
  /** `<research>` block of this run's research step (research sections only). */
  research?: string | undefined;
  /** `<known_competitors>` block of the matching catalog entries. */
  catalog?: string | undefined;
  /** researched: the grounded guide; unresearched: write without links except the catalog's. */
  grounding?: 'researched' | 'unresearched' | undefined;
  /** A forced rewrite with the founder's feedback: the current content and the feedback. */
  previous?: Record<string, unknown> | undefined;
  feedback?: string | undefined;
}

export function sectionPrompt(
  idea: IdeaInput,
  section: SectionName,
  lang: PromptLang,
  toolName: string,
  extras: SectionExtras = {},
): SectionPrompt {
  const p = promptsFor(lang);
  // The location itself stays in the data block: no user text is ever part of the system prompt.
  const market = idea.location?.trim() ? p.locationMarket : p.defaultMarket;
  const data = [
    ideaBlock(idea),
    extras.research,
    extras.catalog,
    extras.previous ? `<current_section>\n${neutralize(JSON.stringify(extras.previous))}\n</current_section>` : undefined,
    extras.feedback ? `<founder_feedback>\n${neutralize(extras.feedback.trim())}\n</founder_feedback>` : undefined,
  ].filter((part): part is string => Boolean(part));
  const guides = [
    p.sectionRequest(section),
    p.sectionGuide[section],
    extras.grounding === 'researched' ? p.groundedGuide : extras.grounding === 'unresearched' ? p.unresearchedGuide : undefined,
    extras.previous || extras.feedback ? p.rewriteGuide : undefined,
  ].filter((part): part is string => Boolean(part));
  return {
    system: p.reportSystem({ market, toolName }),
    messages: [{ role: 'user', content: `${data.join('\n\n')}\n\n${guides.join('\n')}` }],
  };
}
