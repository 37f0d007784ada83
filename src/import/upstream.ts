/**
 * The upstream (Flask) schema the importer reads (UPSTREAM-SCHEMA.md, HEAD 19737d5), and the snapshot read.
 *
 * The source is opened with `pg` in ONE `REPEATABLE READ READ ONLY` transaction: the whole run sees one
 * snapshot and cannot write. Every column is read in a form that needs no guessing later:
 *   - `timestamp without time zone` (written with utcnow) → ISO text with `Z` (read as UTC);
 *   - `json` → its text (`col::text`): `jsonb`/`->>` refuse NUL escapes and lone surrogates, the importer parses;
 *   - `double precision` → a JS number, whose `String()` is the shortest round-trip decimal (see money.ts);
 *   - `date` → text.
 * A column the live catalog lacks reads as NULL; a missing first-day table or column is a refusal (§16.4.3).
 */
import pg from 'pg';

export type Kind = 'text' | 'int' | 'float' | 'bool' | 'ts' | 'date' | 'json';
/** [column, kind, added later than its table (may be absent)] */
type Col = readonly [string, Kind, boolean?];

const LATER = true;

export const UPSTREAM_TABLES = {
  roles: { firstDay: true, cols: [['id', 'text'], ['name', 'text'], ['permissions', 'json'], ['description', 'text'], ['is_active', 'bool', LATER], ['created_at', 'ts']] },
  users: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['email', 'text'], ['password_hash', 'text'], ['full_name', 'text'], ['display_name', 'text', LATER],
      ['role_id', 'text', LATER], ['credits', 'int'], ['referral_code', 'text'], ['referred_by', 'text'], ['language', 'text'],
      ['profile_image', 'text'], ['phone_number', 'text', LATER], ['country', 'text', LATER], ['city', 'text', LATER],
      ['notification_preferences', 'json', LATER], ['email_verified', 'bool', LATER], ['is_active', 'bool'],
      ['last_login', 'ts', LATER], ['created_at', 'ts'], ['updated_at', 'ts'],
    ],
  },
  transactions: {
    firstDay: true,
    cols: [['id', 'text'], ['user_email', 'text'], ['type', 'text'], ['credits', 'int'], ['amount_usd', 'float'], ['description', 'text'], ['reference_id', 'text'], ['status', 'text'], ['created_at', 'ts']],
  },
  credit_packages: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['name', 'text'], ['name_ar', 'text', LATER], ['credits', 'int'], ['price_usd', 'float'], ['description', 'text'],
      ['description_ar', 'text', LATER], ['features', 'json', LATER], ['features_ar', 'json', LATER], ['is_active', 'bool'], ['is_popular', 'bool'], ['created_at', 'ts'],
    ],
  },
  payment_methods: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['name', 'text'], ['name_ar', 'text', LATER], ['type', 'text'], ['details', 'json'], ['logo_url', 'text', LATER],
      ['instructions', 'text'], ['instructions_ar', 'text', LATER], ['is_active', 'bool'], ['sort_order', 'int', LATER], ['created_at', 'ts'],
    ],
  },
  discount_codes: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['code', 'text'], ['discount_percent', 'int'], ['discount_amount', 'float'], ['description_en', 'text', LATER],
      ['description_ar', 'text', LATER], ['min_purchase_amount', 'float', LATER], ['max_uses', 'int'], ['used_count', 'int'],
      ['valid_from', 'ts'], ['valid_until', 'ts'], ['is_active', 'bool'], ['created_at', 'ts'],
    ],
  },
  payments: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['user_email', 'text'], ['amount_usd', 'float'], ['original_amount', 'float', LATER], ['currency_code', 'text', LATER],
      ['currency_amount', 'float', LATER], ['exchange_rate', 'float', LATER], ['credits', 'int'], ['payment_method', 'text'], ['payment_proof', 'text'],
      ['discount_code', 'text', LATER], ['discount_amount', 'float', LATER], ['status', 'text'], ['notes', 'text'], ['approved_by', 'text'],
      ['approved_at', 'ts'], ['created_at', 'ts'],
    ],
  },
  analyses: {
    firstDay: true,
    cols: [
      ['id', 'text'], ['user_email', 'text'], ['business_idea', 'text'], ['industry', 'text'], ['target_market', 'text'], ['location', 'text'],
      ['budget', 'text'], ['status', 'text'], ['report_type', 'text', LATER], ['report_language', 'text', LATER], ['last_error', 'text', LATER],
      ['report', 'json'], ['executive_summary', 'text'], ['market_analysis', 'json'], ['financial_projections', 'json'], ['risk_assessment', 'json'],
      ['recommendations', 'json'], ['score', 'int'], ['user_rating', 'int', LATER], ['user_feedback', 'text', LATER], ['is_deleted', 'bool', LATER],
      ['deleted_at', 'ts', LATER], ['created_at', 'ts'], ['updated_at', 'ts'], ['tab_overview', 'json', LATER], ['tab_market', 'json', LATER],
      ['tab_business', 'json', LATER], ['tab_technical', 'json', LATER], ['tab_financial', 'json', LATER], ['tab_strategy', 'json', LATER],
      ['regeneration_context', 'text', LATER], ['voucher_id', 'text', LATER], ['is_ngo_favourite', 'bool', LATER], ['is_ngo_archived', 'bool', LATER],
    ],
  },
  report_shares: {
    firstDay: true,
    cols: [['id', 'text'], ['analysis_id', 'text'], ['share_token', 'text'], ['created_by', 'text'], ['is_active', 'bool'], ['expires_at', 'ts'], ['access_count', 'int'], ['created_at', 'ts']],
  },
  referrals: {
    firstDay: true,
    cols: [['id', 'text'], ['referrer_email', 'text'], ['referred_email', 'text'], ['referral_code', 'text'], ['status', 'text'], ['rewarded_at', 'ts'], ['created_at', 'ts']],
  },
  notifications: {
    firstDay: true,
    cols: [['id', 'text'], ['user_email', 'text'], ['type', 'text'], ['title', 'text'], ['message', 'text'], ['is_read', 'bool'], ['meta_data', 'json'], ['created_at', 'ts']],
  },
  chat_conversations: {
    firstDay: true,
    cols: [['id', 'text'], ['user_email', 'text'], ['analysis_id', 'text'], ['title', 'text'], ['messages', 'json'], ['created_at', 'ts'], ['updated_at', 'ts']],
  },
  activity_feed: {
    firstDay: true,
    cols: [['id', 'text'], ['user_email', 'text'], ['action_type', 'text'], ['title', 'text'], ['description', 'text'], ['meta_data', 'json'], ['is_public', 'bool'], ['created_at', 'ts']],
  },
  audit_logs: {
    firstDay: true,
    cols: [['id', 'text'], ['action_type', 'text'], ['user_email', 'text'], ['performed_by', 'text'], ['description', 'text'], ['meta_data', 'json'], ['entity_id', 'text'], ['entity_type', 'text'], ['created_at', 'ts']],
  },
  email_templates: {
    firstDay: true,
    cols: [['id', 'text'], ['template_key', 'text'], ['name', 'text'], ['subject_en', 'text'], ['subject_ar', 'text'], ['body_en', 'text'], ['body_ar', 'text'], ['is_active', 'bool'], ['created_at', 'ts'], ['updated_at', 'ts']],
  },
  system_settings: { firstDay: false, cols: [['id', 'text'], ['key', 'text'], ['value', 'text'], ['description', 'text'], ['updated_at', 'ts']] },
  // Tables added later (§12–§14 targets): currencies, the NGO programme, the public site.
  currencies: { firstDay: false, cols: [['id', 'text'], ['code', 'text'], ['name', 'text'], ['name_ar', 'text'], ['symbol', 'text'], ['exchange_rate', 'float'], ['is_default', 'bool'], ['is_active', 'bool'], ['sort_order', 'int'], ['created_at', 'ts'], ['updated_at', 'ts']] },
  ngo_requests: {
    firstDay: false,
    cols: [
      ['id', 'text'], ['user_id', 'text'], ['organization_name', 'text'], ['organization_type', 'text'], ['contact_name', 'text'], ['contact_email', 'text'],
      ['contact_phone', 'text'], ['website', 'text'], ['description', 'text'], ['status', 'text'], ['admin_notes', 'text'], ['reviewed_by', 'text'],
      ['reviewed_at', 'ts'], ['created_at', 'ts'], ['updated_at', 'ts'],
    ],
  },
  project_vouchers: {
    firstDay: false,
    cols: [['id', 'text'], ['ngo_request_id', 'text'], ['code', 'text'], ['name', 'text'], ['description', 'text'], ['activation_start', 'date'], ['activation_end', 'date'], ['linked_ideas_count', 'int'], ['is_active', 'bool'], ['created_at', 'ts'], ['updated_at', 'ts']],
  },
  partners: { firstDay: false, cols: [['id', 'text'], ['name', 'text'], ['name_ar', 'text'], ['logo_url', 'text'], ['website_url', 'text'], ['color', 'text'], ['display_order', 'int'], ['is_active', 'bool'], ['created_at', 'ts']] },
  social_media: { firstDay: false, cols: [['id', 'text'], ['platform', 'text'], ['url', 'text'], ['icon', 'text'], ['hover_color', 'text'], ['display_order', 'int'], ['is_active', 'bool'], ['created_at', 'ts']] },
  contact_messages: { firstDay: false, cols: [['id', 'text'], ['name', 'text'], ['email', 'text'], ['message', 'text'], ['is_read', 'bool'], ['email_sent', 'bool'], ['created_at', 'ts']] },
} as const satisfies Record<string, { firstDay: boolean; cols: readonly Col[] }>;

export type UpstreamTable = keyof typeof UPSTREAM_TABLES;
/** A source row: column → string | number | boolean | null (json columns still as text). */
export type SourceRow = Record<string, string | number | boolean | null>;
export type Snapshot = { [T in UpstreamTable]: SourceRow[] };

export interface CatalogProblems {
  missingTables: string[];
  missingColumns: string[];
  /** Later tables/columns that are absent: read as empty / NULL. */
  warnings: string[];
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

function selectExpr(col: string, kind: Kind): string {
  const c = ident(col);
  switch (kind) {
    case 'ts':
      return `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${c}`;
    case 'json':
    case 'date':
      return `${c}::text AS ${c}`;
    default:
      return c;
  }
}

export interface SourceSession {
  client: pg.Client;
  fingerprint: string;
  /** inet_server_addr(), port and database name, to refuse source = target (§16.4.2). */
  identity: { addr: string | null; port: number | null; database: string };
  close(): Promise<void>;
}

/** Connects and opens the read-only snapshot. Throws on anything that is not a reachable PostgreSQL. */
export async function openSource(url: string): Promise<SourceSession> {
  const parsed = new URL(url);
  const fingerprint = `${parsed.hostname}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.replace(/^\//, ''))}`;
  const client = new pg.Client({ connectionString: url, application_name: 'planlyze-import-flask' });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const id = await client.query<{ addr: string | null; port: number | null; database: string }>(
      'SELECT host(inet_server_addr()) AS addr, inet_server_port() AS port, current_database() AS database',
    );
    return {
      client,
      fingerprint,
      identity: id.rows[0]!,
      async close() {
        await client.query('ROLLBACK').catch(() => {});
        await client.end().catch(() => {});
      },
    };
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

export async function checkCatalog(session: SourceSession): Promise<{ problems: CatalogProblems; present: Map<string, Set<string>> }> {
  const res = await session.client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const present = new Map<string, Set<string>>();
  for (const r of res.rows) {
    if (!present.has(r.table_name)) present.set(r.table_name, new Set());
    present.get(r.table_name)!.add(r.column_name);
  }
  const problems: CatalogProblems = { missingTables: [], missingColumns: [], warnings: [] };
  for (const [table, spec] of Object.entries(UPSTREAM_TABLES)) {
    const cols = present.get(table);
    if (!cols) {
      if (spec.firstDay) problems.missingTables.push(table);
      else problems.warnings.push(`table ${table} is absent: nothing to import from it`);
      continue;
    }
    for (const [col, , later] of spec.cols as readonly Col[]) {
      if (cols.has(col)) continue;
      if (spec.firstDay && !later) problems.missingColumns.push(`${table}.${col}`);
      else problems.warnings.push(`column ${table}.${col} is absent: read as NULL`);
    }
  }
  return { problems, present };
}

/** Reads every known table in the snapshot (absent tables → no rows, absent columns → NULL). */
export async function readSnapshot(session: SourceSession, present: Map<string, Set<string>>): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const [table, spec] of Object.entries(UPSTREAM_TABLES) as [UpstreamTable, (typeof UPSTREAM_TABLES)[UpstreamTable]][]) {
    const cols = present.get(table);
    if (!cols) {
      out[table] = [];
      continue;
    }
    const list = (spec.cols as readonly Col[]).map(([col, kind]) => (cols.has(col) ? selectExpr(col, kind) : `NULL AS ${ident(col)}`));
    const res = await session.client.query<SourceRow>(`SELECT ${list.join(', ')} FROM ${ident(table)} ORDER BY ${ident('id')}`);
    out[table] = res.rows;
  }
  return out;
}
