/** Builds the messages of each kind of model call from the prompt pack of the report's language. */
import type Anthropic from '@anthropic-ai/sdk';
import type { SectionName } from '../../db/schema.js';
import { ar } from './ar.js';
import { dataBlock } from './data-block.js';
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

export function sectionPrompt(idea: IdeaInput, section: SectionName, lang: PromptLang, toolName: string): SectionPrompt {
  const p = promptsFor(lang);
  // The location itself stays in the data block: no user text is ever part of the system prompt.
  const market = idea.location?.trim() ? p.locationMarket : p.defaultMarket;
  return {
    system: p.reportSystem({ market, toolName }),
    messages: [
      {
        role: 'user',
        content: `${ideaBlock(idea)}\n\n${p.sectionRequest(section)}\n${p.sectionGuide[section]}`,
      },
    ],
  };
}
