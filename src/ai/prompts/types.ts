import type { SectionName } from '../../db/schema.js';

/** Everything written for the model in one language. */
export interface PromptPack {
  reportSystem: (input: { market: string; toolName: string }) => string;
  /** Default market when the analysis names no location. */
  defaultMarket: string;
  /** Used instead when the analysis names a location: the model reads it from the data block, not from here. */
  locationMarket: string;
  sectionGuide: Record<SectionName, string>;
  sectionRequest: (section: SectionName) => string;
  /** Sent with the model's invalid tool call so it can correct it once. */
  repair: (issues: string) => string;
  /** Sent instead of the first request when the first reply was cut off. */
  concise: string;
  chatSystem: (hasReport: boolean) => string;
  validateSystem: string;
  validateRequest: (hasIndustry: boolean) => string;
  /** Issue 15: the research call (web search) and how sections use what it found. */
  researchSystem: string;
  researchRequest: string;
  /** Added to a section request that carries <research> and/or <known_competitors>. */
  groundedGuide: string;
  /** Added when the section could not be researched: no links except the catalog's. */
  unresearchedGuide: string;
  /** Added to a forced rewrite that carries <current_section> and <founder_feedback>. */
  rewriteGuide: string;
}
