/**
 * One import run (SPEC-WAVE2 §16 with §0.1): preflight and refusals, the snapshot read, the mapping,
 * then (apply mode) chunked `db.batch` writes through the app's own database client, post-apply
 * checks and the report. Exit codes: 0 success, 2 refused (nothing written but a `refused` run row),
 * 1 failed part-way (whole chunks written; the next run resumes because mapped rows are skipped).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.js';
import {
  activityFeed,
  analyses,
  analysisSections,
  auditLogs,
  chatConversations,
  contactMessages,
  creditPackages,
  currencies,
  discountCodes,
  discountRedemptions,
  emailTemplates,
  importArchive,
  importMap,
  importRuns,
  legacyTransactions,
  ngoRequests,
  ngoVoucherRedemptions,
  ngoVouchers,
  notifications,
  partners,
  paymentMethods,
  payments,
  referrals,
  reportShares,
  roles,
  socialLinks,
  users,
} from '../db/schema.js';
import { BUILTIN_ROLES } from '../auth/permissions.js';
import type { ImportReport, Refusal, Unit } from './plan.js';
import { transform, type TransformOptions } from './transform.js';
import { checkCatalog, openSource, readSnapshot, type SourceSession } from './upstream.js';
import { readTarget } from './target.js';
import { printReport, safeFingerprint } from './report.js';

export interface ImportOptions {
  sourceUrl: string;
  db: Database;
  dryRun: boolean;
  templates?: 'keep-target' | 'prefer-source';
  /** Not given + pending payments in the source → refusal (§16.4.9). */
  pendingPayments?: 'skip' | 'import';
  allowNonemptyTarget?: boolean;
  confirmProduction?: boolean;
  appEnv: string;
  adminEmail?: string;
  batchSize?: number;
  /** `--currency-decimals SYP=0,…` (§16.3): minor digits of the currencies the import creates. */
  currencyDecimals?: Record<string, number>;
  /** Request-body budget per batch (§0.1: under 4 MB). */
  maxBatchBytes?: number;
  /** The target must be at this migration (journal length and last `when`). */
  expectedMigrations: { count: number; lastWhen: number };
  /** Tests: throw after this many chunks were written, to prove resumption. */
  failAfterChunks?: number;
  log?: (line: string) => void;
  now?: Date;
}

export interface ImportResult {
  exitCode: 0 | 1 | 2;
  report: ImportReport;
}

const STALE_RUN_MS = 6 * 3600 * 1000;

export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const { db } = options;
  const log = options.log ?? (() => {});
  const report: ImportReport = {
    mode: options.dryRun ? 'dry_run' : 'apply',
    source: safeFingerprint(options.sourceUrl),
    status: 'planned',
    refusals: [],
    warnings: [],
    tables: {},
    totals: {},
    problems: [],
  };
  const refuse = (r: Refusal) => report.refusals.push(r);

  let session: SourceSession | undefined;
  try {
    try {
      session = await openSource(options.sourceUrl);
      report.source = session.fingerprint;
    } catch (error) {
      refuse({ code: 'source_unreachable', message: `the source cannot be opened as a read-only PostgreSQL snapshot: ${(error as Error).message}` });
      return await finishRefused(options, report, started, log);
    }

    // ── Preflight on the target (one round trip) ──────────────────────────────
    const target = await readTarget(db);
    if (target.migrations === null || target.migrations.count < options.expectedMigrations.count || target.migrations.lastWhen < options.expectedMigrations.lastWhen) {
      refuse({ code: 'target_not_migrated', message: 'the target is not at the latest migration: run db:migrate and db:seed first' });
    }
    for (const name of Object.keys(BUILTIN_ROLES)) {
      if (!target.state.roles.has(name)) refuse({ code: 'builtin_roles_missing', message: `built-in role ${name} is missing: run db:seed first` });
    }
    const id = session.identity;
    if (id.database === target.identity.database && id.addr === target.identity.addr && id.port === target.identity.port && id.addr !== null) {
      refuse({ code: 'same_database', message: 'source and target are the same database' });
    }
    for (const running of target.running) {
      if (Date.now() - new Date(running.started_at).getTime() > STALE_RUN_MS) {
        report.warnings.push(`import run ${running.id} has been running for more than 6 h: ${options.dryRun ? 'an apply run would take it over' : 'taken over'}`);
      } else {
        refuse({ code: 'import_running', message: `import run ${running.id} is running`, details: { run_id: running.id } });
      }
    }
    const adminEmail = options.adminEmail?.trim().toLowerCase();
    const foreign = [...target.state.users.entries()].filter(([email, u]) => !u.imported && email !== adminEmail);
    if (foreign.length && !options.allowNonemptyTarget) {
      refuse({ code: 'target_not_empty', message: `the target already has ${foreign.length} users the importer did not create (use --allow-nonempty-target)` });
    }
    if (options.appEnv === 'production' && !options.dryRun && !options.confirmProduction) {
      refuse({ code: 'production_unconfirmed', message: 'the target is production: add --confirm-production' });
    }

    // ── Source catalog and snapshot ───────────────────────────────────────────
    const { problems, present } = await checkCatalog(session);
    for (const t of problems.missingTables) refuse({ code: 'source_table_missing', message: `source table ${t} is missing` });
    for (const c of problems.missingColumns) refuse({ code: 'source_column_missing', message: `source column ${c} is missing` });
    report.warnings.push(...problems.warnings);
    if (report.refusals.length) return await finishRefused(options, report, started, log);

    const readStarted = Date.now();
    const snapshot = await readSnapshot(session, present);
    log(`snapshot read: ${Date.now() - readStarted} ms`);
    await session.close();
    session = undefined;

    const transformOptions: TransformOptions = {
      pendingPayments: options.pendingPayments ?? 'refuse',
      templates: options.templates ?? 'keep-target',
      adminEmail: options.adminEmail,
      currencyDecimals: options.currencyDecimals,
      now: options.now ?? new Date(),
    };
    const planStarted = Date.now();
    const planned = transform(snapshot, target.state, transformOptions);
    log(`mapping: ${Date.now() - planStarted} ms`);
    Object.assign(report, { tables: planned.report.tables, totals: planned.report.totals, problems: planned.report.problems });
    report.warnings.push(...planned.report.warnings);
    for (const r of planned.refusals) refuse(r);
    if (report.refusals.length) return await finishRefused(options, report, started, log);

    if (options.dryRun) {
      report.status = 'succeeded';
      report.duration_ms = Date.now() - started;
      printReport(report, log);
      return { exitCode: 0, report };
    }

    // ── Apply ─────────────────────────────────────────────────────────────────
    for (const running of target.running) {
      await db.execute(sql`UPDATE import_runs SET status = 'failed', finished_at = now() WHERE id = ${running.id} AND status = 'running'`);
    }
    let runId: string;
    try {
      const [row] = await db.insert(importRuns).values({ mode: 'apply', status: 'running', sourceFingerprint: report.source }).returning({ id: importRuns.id });
      runId = row!.id;
    } catch {
      refuse({ code: 'import_running', message: 'another import started at the same time' });
      return await finishRefused({ ...options, dryRun: true }, report, started, log);
    }
    report.run_id = runId;
    try {
      let chunks = 0;
      const batchSize = options.batchSize ?? 500;
      const maxBytes = options.maxBatchBytes ?? 3_500_000;
      for (const step of planned.steps) {
        for (const chunk of chunked(step.units, batchSize, maxBytes)) {
          if (options.failAfterChunks !== undefined && chunks >= options.failAfterChunks) throw new Error('interrupted (test fault)');
          const statements = chunkStatements(db, chunk, runId);
          if (statements.length) await db.batch(statements as [any, ...any[]]);
          chunks++;
        }
      }
      log(`writes: ${chunks} batches`);
      await postChecks(db, runId, planned.steps.reduce((n, s) => n + s.units.filter((u) => u.map).length, 0));
      report.status = 'succeeded';
      report.duration_ms = Date.now() - started;
      report.totals.chunks = chunks;
      await db.update(importRuns).set({ status: 'succeeded', finishedAt: new Date(), report: report as unknown as Record<string, unknown> }).where(sql`id = ${runId}`);
      printReport(report, log);
      return { exitCode: 0, report };
    } catch (error) {
      report.status = 'failed';
      report.error = (error as Error).message;
      report.duration_ms = Date.now() - started;
      await db
        .update(importRuns)
        .set({ status: 'failed', finishedAt: new Date(), report: report as unknown as Record<string, unknown> })
        .where(sql`id = ${runId}`)
        .catch(() => {});
      printReport(report, log);
      return { exitCode: 1, report };
    }
  } finally {
    await session?.close();
  }
}

async function finishRefused(options: ImportOptions, report: ImportReport, started: number, log: (l: string) => void): Promise<ImportResult> {
  report.status = 'refused';
  report.duration_ms = Date.now() - started;
  if (!options.dryRun) {
    // §16.4: in apply mode the refusal is recorded; nothing else is written.
    await options.db
      .insert(importRuns)
      .values({ mode: 'apply', status: 'refused', sourceFingerprint: report.source, finishedAt: new Date(), report: report as unknown as Record<string, unknown> })
      .catch(() => {});
  }
  printReport(report, log);
  return { exitCode: 2, report };
}

function* chunked(units: Unit[], size: number, maxBytes: number): Generator<Unit[]> {
  let chunk: Unit[] = [];
  let bytes = 0;
  for (const u of units) {
    if (chunk.length && (chunk.length >= size || bytes + u.bytes > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(u);
    bytes += u.bytes;
  }
  if (chunk.length) yield chunk;
}

/** One chunk → its batch: natural-key writes, inserts per table (dependency order), map, archive, follow-ups. */
function chunkStatements(db: Database, chunk: Unit[], runId: string) {
  const statements: unknown[] = [];
  for (const u of chunk) for (const s of u.before) statements.push(db.execute(s));
  const byTable = new Map<PgTable, Record<string, unknown>[]>();
  for (const u of chunk) {
    for (const i of u.inserts) {
      if (!byTable.has(i.table)) byTable.set(i.table, []);
      byTable.get(i.table)!.push(i.values);
    }
  }
  // Parents before children, whichever unit of the chunk brought them (a legacy method, the synthetic package).
  const ordered = [...byTable.keys()].sort((x, y) => rank(x) - rank(y));
  for (const table of ordered) {
    // PostgreSQL binds at most 65,535 parameters per statement: large chunks are split per table.
    const rows = byTable.get(table)!;
    const columns = Math.max(...rows.map((r) => Object.keys(r).length));
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns));
    for (let i = 0; i < rows.length; i += perStatement) {
      statements.push(db.insert(table).values(rows.slice(i, i + perStatement) as any).onConflictDoNothing());
    }
  }
  const maps = chunk.flatMap((u) => (u.map ? [{ ...u.map, runId }] : []));
  for (let i = 0; i < maps.length; i += 5000) statements.push(db.insert(importMap).values(maps.slice(i, i + 5000)).onConflictDoNothing());
  const archives = chunk.flatMap((u) => u.archive.map((a) => ({ ...a, runId })));
  for (let i = 0; i < archives.length; i += 5000) statements.push(db.insert(importArchive).values(archives.slice(i, i + 5000)).onConflictDoNothing());
  const opening = chunk.flatMap((u) => (u.opening ? [u.opening] : []));
  if (opening.length) statements.push(db.execute(openingBalances(opening)));
  for (const u of chunk) for (const s of u.after) statements.push(db.execute(s as SQL));
  return statements;
}

/**
 * The §3 ledger statement for the opening balances of a chunk's users: each balance and its
 * `opening_balance` row move together, and a user who already has one (unique index) is skipped.
 */
function openingBalances(rows: { userId: string; credits: number }[]) {
  const values = sql.join(rows.map((r) => sql`(${r.userId}::uuid, ${r.credits}::int)`), sql`, `);
  return sql`
    WITH source AS (
      SELECT v.user_id, v.credits FROM (VALUES ${values}) AS v(user_id, credits)
      WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.user_id = v.user_id AND t.type = 'opening_balance')),
    balance AS (
      UPDATE users SET credits = users.credits + source.credits, updated_at = now()
      FROM source WHERE users.id = source.user_id
      RETURNING users.id AS user_id, users.credits AS balance_after, source.credits AS delta)
    INSERT INTO transactions (user_id, type, credits, balance_after, description)
    SELECT balance.user_id, 'opening_balance', balance.delta, balance.balance_after, 'Balance imported from Planlyze (Flask)'
    FROM balance`;
}

const MAX_PARAMS = 30_000;

const INSERT_ORDER: PgTable[] = [
  roles, users, currencies, creditPackages, paymentMethods, discountCodes, legacyTransactions, payments, discountRedemptions,
  ngoRequests, ngoVouchers, analyses, analysisSections, ngoVoucherRedemptions, reportShares, referrals, notifications, chatConversations,
  activityFeed, auditLogs, emailTemplates, partners, socialLinks, contactMessages,
];
const rank = (table: PgTable) => {
  const i = INSERT_ORDER.indexOf(table);
  return i < 0 ? INSERT_ORDER.length : i;
};

async function postChecks(db: Database, runId: string, plannedMaps: number) {
  const [ledger, maps, vouchers] = await db.batch([
    db.execute<{ broken: number }>(sql`
      SELECT count(*)::int AS broken FROM users u
      WHERE u.id IN (SELECT target_id FROM import_map WHERE target_table = 'users')
        AND u.credits <> COALESCE((SELECT sum(t.credits) FROM transactions t WHERE t.user_id = u.id), 0)`),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM import_map WHERE run_id = ${runId}`),
    db.execute<{ broken: number }>(sql`
      SELECT count(*)::int AS broken FROM ngo_vouchers v
      WHERE v.id IN (SELECT target_id FROM import_map WHERE target_table = 'ngo_vouchers')
        AND v.redeemed_count <> (SELECT count(*) FROM ngo_voucher_redemptions r WHERE r.voucher_id = v.id)`),
  ]);
  const broken = Number(ledger.rows[0]?.broken ?? 0);
  if (broken > 0) throw new Error(`post-apply check: ${broken} imported users break the ledger invariant`);
  const miscounted = Number(vouchers.rows[0]?.broken ?? 0);
  if (miscounted > 0) throw new Error(`post-apply check: ${miscounted} imported vouchers have a redeemed_count unlike their redemptions`);
  const written = Number(maps.rows[0]?.n ?? 0);
  if (written !== plannedMaps) throw new Error(`post-apply check: ${written} rows mapped, ${plannedMaps} planned`);
}
