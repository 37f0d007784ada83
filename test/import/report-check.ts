import type { ImportReport } from '../../src/import/plan.js';

/**
 * The tables of a report whose source rows are not all accounted for: every row read is inserted, already
 * present, mapped onto an existing target row, or skipped (under one reason), exactly once.
 */
export function unaccountedTables(report: Pick<ImportReport, 'tables'>): string[] {
  return Object.entries(report.tables).flatMap(([table, t]) => {
    const counted = t.inserted + t.already_present + t.mapped_existing + Object.values(t.skipped).reduce((a, b) => a + b, 0);
    return counted === t.read ? [] : [`${table}: read ${t.read}, counted ${counted} (${JSON.stringify(t)})`];
  });
}
