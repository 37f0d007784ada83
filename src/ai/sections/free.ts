/** The two sections every report gets (REPORT_SECTIONS.md): `overview` and `market`. */
import * as z from 'zod';
import { amount, label, prose, strings } from './fields.js';

export const OverviewSchema = z.strictObject({
  market_fit_score: z.number().int().min(0).max(100).describe('How well the idea fits its market, 0 (no fit) to 100 (excellent fit).'),
  time_to_build_months: z.number().int().min(1).max(120).describe('Months to a first sellable version.'),
  competitors_count: z.number().int().min(0).max(100000).describe('Number of notable direct competitors.'),
  starting_cost_usd: amount().describe('Money needed to start, in US dollars.'),
  value_proposition: prose().describe('One or two sentences: why customers would choose this.'),
});

const TargetAudience = z.strictObject({
  segment: label(),
  description: prose(),
  size_estimate: label().describe('Rough size of the segment, in words and numbers.'),
  needs: strings(),
  behavior: prose(),
});

const Problem = z.strictObject({ title: label(), description: prose(), details: strings() });

const Competitor = z.strictObject({
  name: label(),
  description: prose(),
  pros: strings(),
  cons: strings(),
  relevance: prose().describe('Why this competitor matters for this idea.'),
  links: z
    .strictObject({
      website: z.string().trim().min(1).max(500).optional(),
      android: z.string().trim().min(1).max(500).optional(),
      ios: z.string().trim().min(1).max(500).optional(),
    })
    .describe('Only links you are confident exist; omit the others.'),
});

export const MarketSchema = z.strictObject({
  target_audiences: z.array(TargetAudience).min(3).max(5),
  problems: z.array(Problem).min(2).max(4),
  solution: z.strictObject({
    overview: prose(),
    key_features: strings(),
    unique_value: prose(),
    how_it_solves: prose(),
  }),
  local_market: z.strictObject({
    opportunity: prose(),
    market_size_usd: amount(),
    growth_rate_percent: z.number().min(-100).max(1000).describe('Yearly growth of the market, in percent.'),
    unique_factors: strings(),
    challenges: strings(),
    regulations: prose(),
  }),
  competitors: z.array(Competitor).min(3).max(5),
  market_uniqueness: z.strictObject({
    gaps_in_market: strings(),
    differentiation_opportunities: strings(),
    unique_value_proposition: prose(),
    recommended_features: strings(),
    competitive_advantages: strings(),
  }),
  swot: z.strictObject({
    strengths: strings(),
    weaknesses: strings(),
    opportunities: strings(),
    threats: strings(),
  }),
});
