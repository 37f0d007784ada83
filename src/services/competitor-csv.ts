/**
 * CSV import of the competitor catalog (issue 15 §2): RFC 4180 (quoted fields, doubled quotes, CR/LF
 * line ends, a BOM), a header row naming the columns, every row validated with the create schema. The
 * file is all or nothing: any bad row is a 400 naming `rows.<n>.<field>` (n = the line's data row,
 * from 1), and nothing is written.
 */
import { AppError, type ValidationIssue } from '../errors.js';
import { CreateCompetitorBody, type CompetitorInput } from '../schemas/competitor.js';

export const MAX_IMPORT_ROWS = 1000;
const COLUMNS = new Set(['name', 'country', 'industries', 'description', 'website_url', 'android_url', 'ios_url', 'is_active']);

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw csvError('csv', 'unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

const csvError = (path: string, message: string) =>
  new AppError('VALIDATION_ERROR', { details: { target: 'body', issues: [{ path, code: 'invalid_csv', message }] } });

/** The validated rows of a CSV file, or a 400 naming every bad cell (up to 50). */
export function competitorsFromCsv(text: string): CompetitorInput[] {
  const [header, ...data] = parseCsv(text);
  if (!header) throw csvError('csv', 'the file is empty');
  const names = header.map((h) => h.trim().toLowerCase());
  const unknown = names.find((n) => !COLUMNS.has(n));
  if (unknown !== undefined) throw csvError('csv', `unknown column "${unknown.slice(0, 50)}"`);
  if (!names.includes('name')) throw csvError('csv', 'the header must have a name column');
  if (new Set(names).size !== names.length) throw csvError('csv', 'a column is repeated');
  if (data.length === 0) throw csvError('csv', 'no data rows');
  if (data.length > MAX_IMPORT_ROWS) throw csvError('csv', `at most ${MAX_IMPORT_ROWS} rows`);

  const issues: ValidationIssue[] = [];
  const out: CompetitorInput[] = [];
  const seen = new Map<string, number>();
  data.forEach((cells, index) => {
    const n = index + 1;
    if (cells.length !== names.length) {
      issues.push({ path: `rows.${n}`, code: 'invalid_csv', message: `expected ${names.length} fields, found ${cells.length}` });
      return;
    }
    const raw: Record<string, unknown> = {};
    names.forEach((name, col) => {
      const cell = cells[col]!.trim();
      if (cell === '') return; // an empty cell is an absent value
      if (name === 'industries') raw[name] = cell.split(';').map((s) => s.trim()).filter(Boolean);
      else if (name === 'is_active') raw[name] = /^(true|1|yes)$/i.test(cell) ? true : /^(false|0|no)$/i.test(cell) ? false : cell;
      else raw[name] = cell;
    });
    const parsed = CreateCompetitorBody.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) issues.push({ path: `rows.${n}.${i.path.join('.')}`, code: i.code, message: i.message });
      return;
    }
    const key = `${parsed.data.name.toLowerCase()}|${parsed.data.country ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: `rows.${n}.name`, code: 'duplicate', message: `same name and country as row ${first}` });
      return;
    }
    seen.set(key, n);
    out.push(parsed.data);
  });
  if (issues.length > 0) throw new AppError('VALIDATION_ERROR', { details: { target: 'body', issues: issues.slice(0, 50) } });
  return out;
}
