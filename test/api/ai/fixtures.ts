// Schema-valid section contents (REPORT_SECTIONS.md), as the model would return them through the forced tool.
import type { SectionName } from '../../../src/db/schema.js';

const list = (prefix: string, n = 3) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

export const OVERVIEW = {
  market_fit_score: 72,
  time_to_build_months: 4,
  competitors_count: 6,
  starting_cost_usd: 3500,
  value_proposition: 'Fresh home-cooked meals delivered in Damascus within 45 minutes, paid in cash or by mobile wallet.',
};

export const MARKET = {
  target_audiences: [1, 2, 3].map((i) => ({
    segment: `Segment ${i}`,
    description: 'Working parents in Damascus with little time to cook.',
    size_estimate: 'About 120,000 households',
    needs: list('Need'),
    behavior: 'Order by WhatsApp and pay cash on delivery.',
  })),
  problems: [1, 2].map((i) => ({ title: `Problem ${i}`, description: 'Cooking takes hours every day.', details: list('Detail', 2) })),
  solution: {
    overview: 'A kitchen network of home cooks with a simple ordering app.',
    key_features: list('Feature'),
    unique_value: 'Home taste at restaurant speed.',
    how_it_solves: 'Cooks prepare batches; riders deliver in time slots.',
  },
  local_market: {
    opportunity: 'Food delivery is growing quickly in Syrian cities.',
    market_size_usd: 25_000_000,
    growth_rate_percent: 12.5,
    unique_factors: list('Factor', 2),
    challenges: list('Challenge', 2),
    regulations: 'A food-handling licence from the governorate is required.',
  },
  competitors: [1, 2, 3].map((i) => ({
    name: `Competitor ${i}`,
    description: 'A local delivery app.',
    pros: list('Pro', 2),
    cons: list('Con', 2),
    relevance: 'Same customers, restaurant food only.',
    links: {}, // a link must be backed by a research result or the catalog (issue 15): see grounded.test.ts
  })),
  market_uniqueness: {
    gaps_in_market: list('Gap', 2),
    differentiation_opportunities: list('Opportunity', 2),
    unique_value_proposition: 'The only home-cooked option with reliable slots.',
    recommended_features: list('Feature', 2),
    competitive_advantages: list('Advantage', 2),
  },
  swot: { strengths: list('S', 2), weaknesses: list('W', 2), opportunities: list('O', 2), threats: list('T', 2) },
};

export const BUSINESS = {
  go_to_market_strategy: {
    validation_steps: [{ step: 'Pilot', description: 'Sell 50 meals to neighbours.', timeline: 'Week 1-2' }],
    marketing_strategy: { overview: 'Word of mouth first.', key_messages: list('Message', 2), target_approach: 'Parents groups on WhatsApp.' },
  },
  distribution_channels: [{ channel_name: 'WhatsApp', details: 'Orders through a business account.', priority: 'high' }],
  marketing_ideas_and_partnerships: {
    marketing_ideas: [{ idea: 'Tasting days', description: 'Free samples at schools.', estimated_cost: '$100' }],
    partnerships: [{ partner_type: 'Schools', potential_partners: list('School', 2), value_proposition: 'Healthy lunches.' }],
  },
  kpis: [{ metric: 'Weekly orders', target: '300', measurement_frequency: 'Weekly' }],
};

export const TECHNICAL = {
  technical_stack: {
    recommended_stack: [{ category: 'Frontend', technology: 'Flutter', pros: list('Pro', 2), cons: list('Con', 1) }],
    estimated_time: '3 months',
    languages: ['Dart', 'TypeScript'],
    implementation_details: 'One app for customers, a web panel for cooks.',
    team_requirements: [{ role: 'Developer', count: 2, monthly_cost_usd: 600 }],
    total_team_cost_monthly: 1200,
  },
  development_plan: [{ version: 'MVP', features: [{ feature: 'Ordering', how_to_build: 'Forms plus WhatsApp links.' }], prototype_approach: 'No-code first.' }],
  mvp: { core_features: list('Core', 2), scope: 'One neighbourhood.', timeline: '6 weeks' },
  ai_tools: [{ name: 'Claude', purpose: 'Menus', how_it_helps: 'Writes weekly menus in Arabic.' }],
};

export const FINANCIAL = {
  revenue_streams: [{ name: 'Meals', type: 'Sales', description: 'Margin per meal.', potential: 'high', estimated_monthly_revenue: '$2,000 - $5,000' }],
  pricing_strategy: {
    model: 'Per meal',
    approach: 'Priced below restaurants.',
    tiers: [{ name: 'Basic', price: '$3', features: list('Includes', 2) }],
    justification: 'Matches local purchasing power.',
  },
  funding_opportunities: [{ type: 'Grant', source: 'Local programme', amount_range: '$2,000 - $10,000', terms: 'No equity.', suitability: 'Good for a pilot.' }],
};

export const STRATEGY = {
  risk_assessment: [{ risk: 'Power cuts', severity: 'medium', impact: 'Cooking delays.', mitigation: 'Gas stoves and a generator.' }],
  action_plan: [{ step_number: 1, title: 'Recruit cooks', description: 'Find five cooks.', timeline: 'Week 1', priority: 'high' }],
};

export const SECTION_FIXTURES: Record<SectionName, Record<string, unknown>> = {
  overview: OVERVIEW,
  market: MARKET,
  business: BUSINESS,
  technical: TECHNICAL,
  financial: FINANCIAL,
  strategy: STRATEGY,
};

/** The section a request asks for, from its forced tool (`report_<section>`). */
export const sectionOf = (forcedTool: string | null) => (forcedTool?.replace(/^report_/, '') ?? '') as SectionName;
