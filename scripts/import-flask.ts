/**
 * `npm run db:import-flask -- --source <postgres url> [--dry-run] [--pending-payments=skip|import]
 *   [--currency-decimals SYP=0,...] [--templates=keep-target|prefer-source] [--allow-nonempty-target] [--confirm-production] [--batch-size 500] [--report ./import-report.json]`
 *
 * Imports a Planlyze (Flask) PostgreSQL database into this API's database (SPEC-WAVE2 §16, §0.1).
 * Source: `--source` or FLASK_DATABASE_URL, read in one REPEATABLE READ READ ONLY snapshot.
 * Target: DATABASE_URL (else the embedded PGlite database in .data/pglite), written only through the
 * app's own client (drizzle over neon-http); it must be migrated and seeded already (never migrated here).
 * Exit codes: 0 success, 2 refused, 1 failed part-way (run it again: it resumes).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.js';
import { createDb } from '../src/db/client.js';
import { runImport } from '../src/import/run.js';
import { MIGRATIONS_FOLDER, openAppDatabase } from '../src/local/app-database.js';

const USAGE =
  'usage: npm run db:import-flask -- --source <postgres url> [--dry-run] [--pending-payments=skip|import] [--currency-decimals SYP=0,...] ' +
  '[--templates=keep-target|prefer-source] ' +
  '[--allow-nonempty-target] [--confirm-production] [--batch-size 500] [--report ./import-report.json]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'pending-payments': { type: 'string' },
      'currency-decimals': { type: 'string' },
      templates: { type: 'string', default: 'keep-target' },
      'allow-nonempty-target': { type: 'boolean', default: false },
      'confirm-production': { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '500' },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const source = values.source ?? process.env.FLASK_DATABASE_URL;
  const pending = values['pending-payments'];
  const batchSize = Number(values['batch-size']);
  const templates = values.templates;
  const currencyDecimals = parseCurrencyDecimals(values['currency-decimals']);
  if (!source || currencyDecimals === null || (templates !== 'keep-target' && templates !== 'prefer-source') || (pending !== undefined && pending !== 'skip' && pending !== 'import') || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    console.error(USAGE);
    return 2;
  }
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  const database = await openAppDatabase(process.env.DATABASE_URL?.trim() || undefined, { migrate: false });
  try {
    const config = parseConfig({ ...process.env, DATABASE_URL: database.databaseUrl });
    const { exitCode, report } = await runImport({
      sourceUrl: source,
      db: createDb(database.databaseUrl, { queryTimeoutMs: 120_000 }),
      dryRun: values['dry-run'],
      pendingPayments: pending as 'skip' | 'import' | undefined,
      templates,
      allowNonemptyTarget: values['allow-nonempty-target'],
      confirmProduction: values['confirm-production'],
      appEnv: config.appEnv,
      adminEmail: config.admin?.email,
      batchSize,
      currencyDecimals,
      expectedMigrations: { count: journal.entries.length, lastWhen: journal.entries.at(-1)?.when ?? 0 },
      log: (line) => console.log(line),
    });
    if (values.report) {
      writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
      chmodSync(values.report, 0o600); // an existing file keeps its old mode otherwise
    }
    return exitCode;
  } finally {
    await database.close();
  }
}

/** `SYP=0,KWD=3` → {SYP: 0, KWD: 3}; null when malformed (codes ^[A-Z]{3}$, decimals 0..4, USD only 2). */
function parseCurrencyDecimals(text: string | undefined): Record<string, number> | null {
  if (text === undefined) return {};
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^([A-Za-z]{3})=([0-4])$/.exec(part.trim());
    if (!m) return null;
    const code = m[1]!.toUpperCase();
    if (code === 'USD' && m[2] !== '2') return null;
    out[code] = Number(m[2]);
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('db:import-flask failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
