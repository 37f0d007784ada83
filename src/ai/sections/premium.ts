/** The four premium-only sections (REPORT_SECTIONS.md): business, technical, financial, strategy. */
import * as z from 'zod';
import { amount, label, level, prose, strings } from './fields.js';

export const BusinessSchema = z.strictObject({
  go_to_market_strategy: z.strictObject({
    validation_steps: z.array(z.strictObject({ step: label(), description: prose(), timeline: label() })).min(1).max(10),
    marketing_strategy: z.strictObject({ overview: prose(), key_messages: strings(), target_approach: prose() }),
  }),
  distribution_channels: z.array(z.strictObject({ channel_name: label(), details: prose(), priority: level() })).min(1).max(10),
  marketing_ideas_and_partnerships: z.strictObject({
    marketing_ideas: z.array(z.strictObject({ idea: label(), description: prose(), estimated_cost: label() })).min(1).max(10),
    partnerships: z
      .array(z.strictObject({ partner_type: label(), potential_partners: strings(), value_proposition: prose() }))
      .min(1)
      .max(10),
  }),
  kpis: z.array(z.strictObject({ metric: label(), target: label(), measurement_frequency: label() })).min(1).max(12),
});

export const TechnicalSchema = z.strictObject({
  technical_stack: z.strictObject({
    recommended_stack: z
      .array(
        z.strictObject({
          category: z.enum(['Frontend', 'Backend', 'Database', 'Infrastructure']),
          technology: label(),
          pros: strings(),
          cons: strings(),
        }),
      )
      .min(1)
      .max(12),
    estimated_time: label(),
    languages: strings(),
    implementation_details: prose(),
    team_requirements: z
      .array(z.strictObject({ role: label(), count: z.number().int().min(1).max(1000), monthly_cost_usd: amount() }))
      .min(1)
      .max(12),
    total_team_cost_monthly: amount(),
  }),
  development_plan: z
    .array(
      z.strictObject({
        version: label().describe('e.g. Prototype, MVP, Growth'),
        features: z.array(z.strictObject({ feature: label(), how_to_build: prose() })).min(1).max(12),
        prototype_approach: prose(),
      }),
    )
    .min(1)
    .max(6),
  mvp: z.strictObject({ core_features: strings(), scope: prose(), timeline: label() }),
  ai_tools: z.array(z.strictObject({ name: label(), purpose: label(), how_it_helps: prose() })).min(1).max(10),
});

export const FinancialSchema = z.strictObject({
  revenue_streams: z
    .array(
      z.strictObject({
        name: label(),
        type: label(),
        description: prose(),
        potential: level(),
        estimated_monthly_revenue: label().describe('A range in US dollars, e.g. "$500 - $2,000".'),
      }),
    )
    .min(1)
    .max(10),
  pricing_strategy: z.strictObject({
    model: label(),
    approach: prose(),
    tiers: z.array(z.strictObject({ name: label(), price: label(), features: strings() })).min(1).max(6),
    justification: prose(),
  }),
  funding_opportunities: z
    .array(z.strictObject({ type: label(), source: label(), amount_range: label(), terms: prose(), suitability: prose() }))
    .min(1)
    .max(10),
});

export const StrategySchema = z.strictObject({
  risk_assessment: z
    .array(z.strictObject({ risk: label(), severity: level(), impact: prose(), mitigation: prose() }))
    .min(1)
    .max(12),
  action_plan: z
    .array(
      z.strictObject({
        step_number: z.number().int().min(1).max(100),
        title: label(),
        description: prose(),
        timeline: label(),
        priority: level(),
      }),
    )
    .min(1)
    .max(15),
});
