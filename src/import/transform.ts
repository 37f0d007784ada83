/**
 * The mapping of SPEC-WAVE2 §16.3: source snapshot + what the target already holds → units to write
 * and the report. Pure: it reads nothing and writes nothing, so a dry run and an apply run make the
 * same decisions and the same report. Steps run in the §16.3 order; each lives in its own module.
 */
import { createContext, type TargetState, type TransformOptions, type Transformed } from './context.js';
import { mapAccounts } from './map-accounts.js';
import { mapCurrencies } from './map-currencies.js';
import { mapEconomy } from './map-economy.js';
import { mapMessages } from './map-messages.js';
import { mapProgrammes } from './map-programmes.js';
import { mapReports } from './map-reports.js';
import { mapSite } from './map-site.js';
import type { Snapshot } from './upstream.js';

export type { Step, TargetState, TransformOptions, Transformed } from './context.js';
export { UNSET_PASSWORD } from './map-accounts.js';
export { migrateMarket } from './map-reports.js';

export function transform(source: Snapshot, target: TargetState, options: TransformOptions): Transformed {
  const c = createContext(source, target, options);
  mapAccounts(c); // roles → users (with opening balances)
  mapCurrencies(c); // currencies (before anything priced in them)
  mapEconomy(c); // packages, methods, discount codes, legacy history, payments
  mapProgrammes(c); // NGO requests, vouchers; which analyses link to which voucher
  mapReports(c); // analyses (+ sections, voucher redemptions), shares, referrals
  mapMessages(c); // notifications, conversations, activity, audit, templates, settings
  mapSite(c); // partners, social links, contact messages
  return { steps: c.steps, report: { tables: c.tables, totals: c.totals, problems: c.problems, warnings: c.warnings }, refusals: c.refusals };
}
