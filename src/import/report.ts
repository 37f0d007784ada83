/** The import report's console summary, and the source named without its credentials. */
import type { ImportReport } from './plan.js';

/** host:port/database of a URL, never its credentials. */
export function safeFingerprint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
  } catch {
    return '(unparseable source URL)';
  }
}

/** The console summary: one line per source table, then the totals. Never hashes, codes, tokens, proofs or bodies. */
export function printReport(report: ImportReport, log: (line: string) => void) {
  log(`Planlyze (Flask) import — ${report.mode} — ${report.status} — source ${report.source}`);
  for (const r of report.refusals) log(`REFUSED ${r.code}: ${r.message}`);
  log('table                    read  inserted  present  existing  skipped                          archived');
  for (const [table, t] of Object.entries(report.tables)) {
    const skipped = Object.entries(t.skipped).map(([k, v]) => `${k}=${v}`).join(',') || '0';
    log(`${table.padEnd(22)} ${String(t.read).padStart(6)} ${String(t.inserted).padStart(9)} ${String(t.already_present).padStart(8)} ${String(t.mapped_existing).padStart(9)}  ${skipped.padEnd(32)} ${t.archived}`);
  }
  for (const [k, v] of Object.entries(report.totals)) log(`${k}: ${JSON.stringify(v)}`);
  for (const w of report.warnings) log(`warning: ${w}`);
  if (report.error) log(`error: ${report.error}`);
  log(`duration: ${report.duration_ms ?? 0} ms`);
}
