/**
 * What every mapping step of an import run shares (SPEC-WAVE2 §16.3): the snapshot, what the target
 * already holds, the report being built, and the id maps later steps read (users by email, roles,
 * analyses by source id …). Built once per run by `createContext`; the steps are in map-*.ts.
 */
import type { ImportReport, Problem, TableReport, Unit } from './plan.js';
import { emptyTable, measure, unit } from './plan.js';
import type { Snapshot, SourceRow } from './upstream.js';

export interface TargetState {
  /** `${source_table}:${source_id}` → target id, from import_map. */
  mapped: Map<string, string>;
  /** Every target user by email: id, and whether the importer created it. */
  users: Map<string, { id: string; imported: boolean }>;
  roles: Map<string, string>;
  methods: { id: string; name: string; nameAr: string | null }[];
  packages: { id: string; credits: number; priceCents: bigint }[];
  discountCodes: Map<string, string>;
  /** Target email templates by key, with the placeholders their current texts use (the declared variables). */
  templates: Map<string, { id: string; variables: Set<string> }>;
  referralCodes: Set<string>;
  /** Opening balance already booked, per target user id. */
  openingBalances: Map<string, number>;
  /** Columns of `users` that later migrations add (§11: email_verified_at, signup_bonus_due), when present. */
  userColumns: Set<string>;
  /** Target currencies by code (§12), with what a payment in that currency needs. */
  currencies: Map<string, CurrencyInfo & { id: string; isActive: boolean }>;
  /** Live NGO requests in the target (pending, approved, suspended): user id → request id (one per user, §13.1). */
  liveNgoRequests: Map<string, string>;
  /** Target voucher codes → voucher id (codes are unique, §13.1). */
  voucherCodes: Map<string, string>;
  /** Target vouchers by id: the cap and count a later link raises (§16.3 `project_vouchers`). */
  vouchers: Map<string, { maxRedemptions: number | null; redeemedCount: number }>;
  /** `${voucher_id}:${user_id}` of every target redemption, linked or not: UNIQUE (voucher_id, user_id) holds them for good (§13.1). */
  redemptionPairs: Set<string>;
}

/** What a payment in a currency needs (§12.1): the currency's minor digits, its rate and its cash rounding step. */
export interface CurrencyInfo {
  decimals: number;
  /** rate_per_usd as numeric(20,6) text */
  rate: string;
  increment: number;
}

/** An imported analysis's link to an imported voucher (§16.3 `analyses.voucher_id`), decided before the analyses are mapped. */
export interface VoucherLink {
  /** The target voucher, or null when the link is not kept (`notLinked` says why; archived with the analysis). */
  voucherId: string | null;
  notLinked: string | null;
  isFavourite: boolean;
  isArchived: boolean;
}

export interface TransformOptions {
  pendingPayments: 'refuse' | 'skip' | 'import';
  /** `prefer-source`: a source template mapping to a product template replaces its texts (first import only). */
  templates?: 'keep-target' | 'prefer-source';
  adminEmail?: string;
  /** `--currency-decimals SYP=0,…`: minor digits of currencies the import creates (default 2, §16.3). */
  currencyDecimals?: Record<string, number>;
  now: Date;
}

export interface Step {
  table: string;
  units: Unit[];
}

export interface Transformed {
  steps: Step[];
  report: Pick<ImportReport, 'tables' | 'totals' | 'problems' | 'warnings'>;
  /** Row-independent refusals found while mapping (§16.4.7, .8, .9). */
  refusals: { code: string; message: string; details?: unknown }[];
}

export interface PlannedPayment {
  row: SourceRow;
  sid: string;
  userId: string;
  status: 'approved' | 'rejected' | 'pending';
  codeKey: string | null;
}

export interface Ctx {
  source: Snapshot;
  target: TargetState;
  options: TransformOptions;
  importTime: Date;
  tables: Record<string, TableReport>;
  problems: Problem[];
  warnings: string[];
  refusals: Transformed['refusals'];
  totals: Record<string, unknown>;
  steps: Step[];
  report(table: string): TableReport;
  problem(p: Problem): void;
  skip(table: string, sourceId: string, reason: string, extra?: Omit<Problem, 'table' | 'source_id' | 'reason'>): void;
  archiveRow(u: Unit, table: string, sourceId: string, reason: string, payload: unknown): void;
  isMapped(table: string, id: string): boolean;
  /** A unit for a new source row, or null (counted as already present) when import_map has it. */
  begin(table: string, sourceId: string, targetTable: string, targetId: string): Unit | null;
  /**
   * Adds a unit to its step and counts its source row under `counted`: `inserted`, `mapped_existing` (a row the
   * target already had; the unit's follow-up statements still run) or `none` (no source row of the step's table
   * owns it: a currency created from payments, an archive-only row already counted as skipped).
   */
  push(step: Step, u: Unit, counted?: 'inserted' | 'mapped_existing' | 'none'): void;
  newStep(table: string): Step;
  archiveOnly(step: Step, table: string, sourceId: string, reason: string, payload: unknown): void;
  /** source role id → target role id */
  roleIds: Map<string, string>;
  inactiveRoles: Set<string>;
  /** lower-cased email → target user id (imported now, earlier, or the bootstrap admin). */
  userIds: Map<string, string>;
  userCreated: Map<string, Date>;
  userOf(email: unknown): string | undefined;
  packages: TargetState['packages'];
  methods: TargetState['methods'];
  findMethod(name: string): TargetState['methods'][number] | undefined;
  plannedPayments: PlannedPayment[];
  /** UPPER code → target discount code */
  codeIds: Map<string, { id: string; perUser: number }>;
  /** source analysis id → what later steps need of it */
  analysisOwner: Map<string, { id: string; userId: string; email: string; deleted: boolean; paidPremium: boolean }>;
  /** UPPER code → the currency a payment in it is recorded in (target, imported or created from payments). */
  currencies: Map<string, CurrencyInfo>;
  /** source analysis id → its voucher link, kept or not (map-programmes.ts decides, map-reports.ts writes). */
  voucherLinks: Map<string, VoucherLink>;
}

export function createContext(source: Snapshot, target: TargetState, options: TransformOptions): Ctx {
  const tables: Record<string, TableReport> = {};
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const refusals: Transformed['refusals'] = [];
  const totals: Record<string, unknown> = {};
  const steps: Step[] = [];
  const importTime = options.now;

  const report = (table: string) => (tables[table] ??= emptyTable());
  const problem = (p: Problem) => problems.push(p);
  const skip = (table: string, sourceId: string, reason: string, extra: Omit<Problem, 'table' | 'source_id' | 'reason'> = {}) => {
    const r = report(table);
    r.skipped[reason] = (r.skipped[reason] ?? 0) + 1;
    problem({ table, source_id: sourceId, reason, ...extra });
  };
  const archiveRow = (u: Unit, table: string, sourceId: string, reason: string, payload: unknown) => {
    u.archive.push({ sourceTable: table, sourceId, reason, payload });
  };
  const isMapped = (table: string, id: string) => target.mapped.has(`${table}:${id}`);
  /** A unit for a new source row, or null (counted as already present) when import_map has it. */
  const begin = (table: string, sourceId: string, targetTable: string, targetId: string): Unit | null => {
    if (isMapped(table, sourceId)) {
      report(table).already_present++;
      return null;
    }
    return unit({ map: { sourceTable: table, sourceId, targetTable, targetId } });
  };
  const push = (step: Step, u: Unit, counted: 'inserted' | 'mapped_existing' | 'none' = 'inserted') => {
    u.bytes = measure(u);
    step.units.push(u);
    if (counted !== 'none') report(step.table)[counted]++;
    report(step.table).archived += u.archive.length;
  };
  const newStep = (table: string): Step => {
    const s = { table, units: [] as Unit[] };
    steps.push(s);
    report(table);
    return s;
  };
  const archiveOnly = (step: Step, table: string, sourceId: string, reason: string, payload: unknown) => {
    const u = unit();
    archiveRow(u, table, sourceId, reason, payload);
    push(step, u, 'none');
  };

  const userIds = new Map<string, string>();
  const methods = [...target.methods];
  const ctx: Ctx = {
    source, target, options, importTime, tables, problems, warnings, refusals, totals, steps,
    report, problem, skip, archiveRow, isMapped, begin, push, newStep, archiveOnly,
    roleIds: new Map(),
    inactiveRoles: new Set(),
    userIds,
    userCreated: new Map(),
    userOf: (email) => userIds.get(lowerEmail(email)),
    packages: [...target.packages],
    methods,
    findMethod(name) {
      const n = name.trim().toLowerCase();
      return methods.find((m) => m.name.trim().toLowerCase() === n || (m.nameAr ?? '').trim().toLowerCase() === n);
    },
    plannedPayments: [],
    codeIds: new Map(),
    analysisOwner: new Map(),
    currencies: new Map(target.currencies),
    voucherLinks: new Map(),
  };
  for (const table of Object.keys(source)) report(table).read = source[table as keyof Snapshot].length;
  return ctx;
}

export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const int = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
export const bool = (v: unknown, fallback: boolean): boolean => (v === null || v === undefined ? fallback : v === true || v === 't');
export const lowerEmail = (v: unknown) => (str(v) ?? '').trim().toLowerCase();
/** The email shape the importer accepts (users, contact messages). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const cut = (v: string | null, max: number) => (v === null ? null : [...v].slice(0, max).join(''));
export const charLength = (v: string) => [...v].length;

/** Source rows oldest first (`created_at`, then id): the order "keeps the earliest" rules decide in. */
export const byCreated = (a: SourceRow, b: SourceRow) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')) || String(a.id).localeCompare(String(b.id));

/** Source timestamp (ISO, UTC) → Date, or null. */
export const ts = (v: unknown): Date | null => (v ? new Date(String(v)) : null);

/** A text field cut to `max` characters; a cut one is reported and its full text archived with the row. */
export function cutReported(c: Ctx, u: Unit, table: string, sid: string, field: string, value: string | null, max: number): string | null {
  if (value === null || charLength(value) <= max) return value;
  c.problem({ table, source_id: sid, reason: 'field_cut', detail: field });
  c.archiveRow(u, table, sid, `${field}_cut`, { [field]: value });
  return cut(value, max);
}
