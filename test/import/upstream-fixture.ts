/**
 * A fixture source database: the upstream Flask schema written out from UPSTREAM-SCHEMA.md (by hand,
 * independently of src/import/upstream.ts), created in a scratch PostgreSQL database, and filled with
 * realistic and hostile rows for every rule of SPEC-WAVE2 §16.3.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import pg from 'pg';

export const UPSTREAM_DDL = `
CREATE TABLE roles (
  id varchar(36) PRIMARY KEY, name varchar(100) NOT NULL UNIQUE, permissions json, description text,
  is_active boolean, created_at timestamp);
CREATE TABLE users (
  id varchar(36) PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, password_hash varchar(255), full_name varchar(255),
  display_name varchar(255), role_id varchar(36) REFERENCES roles(id), credits integer, referral_code varchar(50) UNIQUE,
  referred_by varchar(50), language varchar(10), profile_image text, phone_number varchar(50), country varchar(100),
  city varchar(100), notification_preferences json, email_verified boolean, verification_token varchar(100),
  verification_token_expires timestamp, password_reset_token varchar(100), password_reset_token_expires timestamp,
  password_reset_attempts integer, is_active boolean, ngo_status varchar(50), last_login timestamp, created_at timestamp,
  updated_at timestamp,
  role varchar(50), onboarding_completed boolean, onboarding_step integer);
CREATE TABLE transactions (
  id varchar(36) PRIMARY KEY, user_email varchar(255) NOT NULL REFERENCES users(email), type varchar(50) NOT NULL,
  credits integer NOT NULL, amount_usd double precision, description text, reference_id varchar(255), status varchar(50),
  created_at timestamp);
CREATE TABLE currencies (
  id varchar(36) PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, name varchar(100) NOT NULL, name_ar varchar(100),
  symbol varchar(10) NOT NULL, exchange_rate double precision NOT NULL, is_default boolean, is_active boolean,
  sort_order integer, created_at timestamp, updated_at timestamp);
CREATE TABLE credit_packages (
  id varchar(36) PRIMARY KEY, name varchar(255) NOT NULL, name_ar varchar(255), credits integer NOT NULL,
  price_usd double precision NOT NULL, description text, description_ar text, features json, features_ar json,
  is_active boolean, is_popular boolean, created_at timestamp);
CREATE TABLE payments (
  id varchar(36) PRIMARY KEY, user_email varchar(255) NOT NULL REFERENCES users(email), amount_usd double precision NOT NULL,
  original_amount double precision, currency_code varchar(10), currency_amount double precision, exchange_rate double precision,
  credits integer NOT NULL, payment_method varchar(100), payment_proof text, discount_code varchar(100),
  discount_amount double precision, status varchar(50), notes text, approved_by varchar(255), approved_at timestamp,
  created_at timestamp);
CREATE TABLE email_templates (
  id varchar(36) PRIMARY KEY, template_key varchar(100) NOT NULL UNIQUE, name varchar(255) NOT NULL, subject_en varchar(255),
  subject_ar varchar(255), body_en text, body_ar text, is_active boolean, created_at timestamp, updated_at timestamp);
CREATE TABLE payment_methods (
  id varchar(36) PRIMARY KEY, name varchar(255) NOT NULL, name_ar varchar(255), type varchar(100), details json, logo_url text,
  instructions text, instructions_ar varchar(255), is_active boolean, sort_order integer, created_at timestamp);
CREATE TABLE discount_codes (
  id varchar(36) PRIMARY KEY, code varchar(50) NOT NULL UNIQUE, discount_percent integer, discount_amount double precision,
  description_en text, description_ar text, min_purchase_amount double precision, max_uses integer, used_count integer,
  valid_from timestamp, valid_until timestamp, is_active boolean, created_at timestamp);
CREATE TABLE audit_logs (
  id varchar(36) PRIMARY KEY, action_type varchar(100) NOT NULL, user_email varchar(255), performed_by varchar(255),
  description text, meta_data json, entity_id varchar(255), entity_type varchar(100), created_at timestamp);
CREATE TABLE api_request_logs (
  id varchar(36) PRIMARY KEY, method varchar(10) NOT NULL, path varchar(500) NOT NULL, full_url varchar(2000), query_params json,
  request_headers json, request_body json, response_status integer, response_body json, user_email varchar(255),
  user_role varchar(100), ip_address varchar(50), user_agent varchar(500), execution_time_ms double precision, error_message text,
  created_at timestamp);
CREATE INDEX ix_api_request_logs_created_at ON api_request_logs (created_at);
CREATE TABLE activity_feed (
  id varchar(36) PRIMARY KEY, user_email varchar(255), action_type varchar(100) NOT NULL, title varchar(255), description text,
  meta_data json, is_public boolean, created_at timestamp);
CREATE TABLE notifications (
  id varchar(36) PRIMARY KEY, user_email varchar(255) NOT NULL, type varchar(100), title varchar(255), message text,
  is_read boolean, meta_data json, created_at timestamp);
CREATE TABLE ngo_requests (
  id varchar(36) PRIMARY KEY, user_id varchar(36) NOT NULL REFERENCES users(id), organization_name varchar(255) NOT NULL,
  organization_type varchar(100), contact_name varchar(255) NOT NULL, contact_email varchar(255) NOT NULL,
  contact_phone varchar(50) NOT NULL, website varchar(255), description text, status varchar(50), admin_notes text,
  reviewed_by varchar(255), reviewed_at timestamp, created_at timestamp, updated_at timestamp);
CREATE TABLE project_vouchers (
  id varchar(36) PRIMARY KEY, ngo_request_id varchar(36) NOT NULL REFERENCES ngo_requests(id), code varchar(20) NOT NULL UNIQUE,
  name varchar(255) NOT NULL, description text, activation_start date, activation_end date, linked_ideas_count integer,
  is_active boolean, created_at timestamp, updated_at timestamp);
CREATE TABLE analyses (
  id varchar(36) PRIMARY KEY, user_email varchar(255) NOT NULL REFERENCES users(email), business_idea text NOT NULL,
  industry varchar(255), target_market varchar(255), location varchar(255), budget varchar(100), status varchar(50),
  report_type varchar(20), report_language varchar(20), pending_transaction_id varchar(36) REFERENCES transactions(id),
  last_error text, report json, executive_summary text, market_analysis json, financial_projections json, risk_assessment json,
  recommendations json, score integer, user_rating integer, user_feedback text, is_deleted boolean, deleted_at timestamp,
  created_at timestamp, updated_at timestamp, tab_overview json, tab_market json, tab_business json, tab_technical json,
  tab_financial json, tab_strategy json, tab_processing_started json, regeneration_context text,
  voucher_id varchar(36) REFERENCES project_vouchers(id), is_ngo_favourite boolean, is_ngo_archived boolean);
CREATE TABLE report_shares (
  id varchar(36) PRIMARY KEY, analysis_id varchar(36) NOT NULL REFERENCES analyses(id), share_token varchar(100) NOT NULL UNIQUE,
  created_by varchar(255), is_active boolean, expires_at timestamp, access_count integer, created_at timestamp);
CREATE TABLE chat_conversations (
  id varchar(36) PRIMARY KEY, user_email varchar(255) NOT NULL, analysis_id varchar(36) REFERENCES analyses(id),
  title varchar(255), messages json, created_at timestamp, updated_at timestamp);
CREATE TABLE referrals (
  id varchar(36) PRIMARY KEY, referrer_email varchar(255) NOT NULL, referred_email varchar(255) NOT NULL,
  referral_code varchar(50) NOT NULL, status varchar(50), rewarded_at timestamp, created_at timestamp);
CREATE TABLE system_settings (
  id varchar(36) PRIMARY KEY, key varchar(100) NOT NULL UNIQUE, value text, description varchar(255), updated_at timestamp);
CREATE TABLE partners (
  id varchar(36) PRIMARY KEY, name varchar(255) NOT NULL, name_ar varchar(255), logo_url text, website_url text, color varchar(10),
  display_order integer, is_active boolean, created_at timestamp);
CREATE TABLE seed_versions (
  id varchar(36) PRIMARY KEY, seed_name varchar(100) NOT NULL UNIQUE, version integer, applied_at timestamp);
CREATE TABLE contact_messages (
  id varchar(36) PRIMARY KEY, name varchar(255) NOT NULL, email varchar(255) NOT NULL, message text NOT NULL, is_read boolean,
  email_sent boolean, created_at timestamp);
CREATE TABLE social_media (
  id varchar(36) PRIMARY KEY, platform varchar(50) NOT NULL, url text NOT NULL, icon varchar(50) NOT NULL, hover_color varchar(100),
  display_order integer, is_active boolean, created_at timestamp);
`;

export interface SourceDatabase {
  url: string;
  query(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

/** A scratch database on the PostgreSQL server at `adminUrl`, holding the upstream schema. */
export async function createSourceDatabase(adminUrl: string): Promise<SourceDatabase> {
  const name = `flask_src_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(UPSTREAM_DDL);
  return {
    url: url.toString(),
    query: (text, params) => client.query(text, params as unknown[]),
    async drop() {
      await client.end().catch(() => {});
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Whether a PostgreSQL server answers at `url` (the fixture needs one for the source). */
export async function postgresAvailable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function insert(db: SourceDatabase, table: string, row: Record<string, unknown>) {
  const cols = Object.keys(row);
  const values = cols.map((c) => {
    const v = row[c];
    return v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v;
  });
  await db.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
}

// ── The fixture's people and facts (tests assert against these) ──────────────
export const ID = {
  roleUser: '0b7f6d4e-1c2a-4b3d-9e8f-000000000001',
  roleAdmin: '0b7f6d4e-1c2a-4b3d-9e8f-000000000002',
  roleOwner: '0b7f6d4e-1c2a-4b3d-9e8f-000000000003',
  roleEditor: '0b7f6d4e-1c2a-4b3d-9e8f-000000000004',
  alice: '5a1c0000-0000-4000-8000-00000000a11c',
  bob: '5a1c0000-0000-4000-8000-000000000b0b',
  carol: '5a1c0000-0000-4000-8000-0000000ca201',
  admin: '5a1c0000-0000-4000-8000-0000000ad000',
  A1: 'a0000000-0000-4000-8000-0000000000a1',
  A2: 'a0000000-0000-4000-8000-0000000000a2',
  A3: 'a0000000-0000-4000-8000-0000000000a3',
  A6: 'a0000000-0000-4000-8000-0000000000a6',
} as const;
export const DAVE_SOURCE_ID = 'legacy-42'; // not a UUID: imported under a v5 id
export const ALICE_PASSWORD = 'Alice-old-flask-pw';
export const SHARE_TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
export const DELETED_SHARE_TOKEN = 'deadbeefdeadbeefdeadbeefdeadbeef';
export const BALANCES = { alice: 25, bob: 0, carol: 7, dave: 0, admin: 3 } as const;

const validOverview = { market_fit_score: 72, time_to_build_months: 6, competitors_count: 4, starting_cost_usd: 15000, value_proposition: 'توصيل وجبات منزلية بأسعار مناسبة.' };
const strings3 = ['أ', 'ب', 'ج'];
const audience = { segment: 'طلاب', description: 'طلاب الجامعات', size_estimate: '50,000', needs: strings3, behavior: 'يطلبون مساءً' };
const competitor = (n: number) => ({
  name: `منافس ${n}`,
  description: 'تطبيق توصيل',
  pros: ['سريع'],
  cons: ['غالي'],
  relevance: 'يخدم نفس المدينة',
  app_links: { android: `https://play.example/${n}`, ios: null, website: `https://c${n}.example` },
  social: { facebook: 'https://fb.example', instagram: null, whatsapp: null, telegram: null },
});
/** Upstream's market tab: Syrian keys, app_links and social. */
export const legacyMarket = {
  target_audiences: [audience, audience, audience],
  problems: [{ title: 'غلاء', description: 'الأسعار مرتفعة', details: ['x'] }, { title: 'بطء', description: 'التوصيل بطيء', details: ['y'] }],
  solution: { overview: 'منصة', key_features: ['طلب'], unique_value: 'أرخص', how_it_solves: 'بالتجميع' },
  syrian_market: { opportunity: 'كبيرة', market_size_usd: 2000000, growth_rate_percent: 12.5, unique_factors: ['x'], challenges: ['y'], regulations: 'ترخيص تجاري' },
  syrian_competitors: [competitor(1), competitor(2), competitor(3)],
  market_uniqueness: { gaps_in_market: ['a'], differentiation_opportunities: ['b'], unique_value_proposition: 'c', recommended_features: ['d'], competitive_advantages: ['e'] },
  swot: { strengths: ['s'], weaknesses: ['w'], opportunities: ['o'], threats: ['t'] },
};

/** Fills the source with the fixture. `hostile` adds the rows that must be refused (§16.4.7, .8). */
export async function fillFixture(db: SourceDatabase, options: { adminEmail: string }) {
  const at = (iso: string) => iso; // timestamps without time zone, written as UTC
  const prefs = { email_notifications: true, analysis_complete: false, analysis_failed: true, credits_low: true, credits_added: true, credits_deducted: true, payment_approved: true, payment_rejected: true, referral_joined: true, report_shared_opened: false, system: true };

  await insert(db, 'roles', { id: ID.roleUser, name: 'user', permissions: [], is_active: true, created_at: at('2025-11-01 10:00:00') });
  await insert(db, 'roles', { id: ID.roleAdmin, name: 'admin', permissions: ['view_users'], is_active: true, created_at: at('2025-11-01 10:00:00') });
  await insert(db, 'roles', { id: ID.roleOwner, name: 'owner', permissions: null, is_active: true, created_at: at('2025-11-01 10:00:00') });
  await insert(db, 'roles', { id: ID.roleEditor, name: 'content editor!', permissions: { view_users: true, view_owner_dashboard: true, view_analytics: false }, is_active: false, created_at: at('2025-12-18 09:00:00') });

  const aliceHash = bcrypt.hashSync(ALICE_PASSWORD, 4);
  await insert(db, 'users', {
    id: ID.alice, email: '  Alice@Example.COM ', password_hash: aliceHash, full_name: 'أليس الشامي', display_name: 'Alice', role_id: ID.roleUser,
    credits: 25, referral_code: 'a1b2c3d4', language: 'arabic', notification_preferences: prefs, email_verified: true,
    phone_number: '+963 944 123 456', profile_image: 'https://cdn.example.com/alice.png', is_active: true, last_login: at('2026-01-05 08:00:00'),
    verification_token: '123456', password_reset_token: '654321', created_at: at('2025-11-02 12:00:00'), updated_at: at('2026-01-05 08:00:00'),
  });
  await insert(db, 'users', {
    id: ID.bob, email: 'bob@example.com', password_hash: null, full_name: null, role_id: null, credits: null, referral_code: 'bad',
    language: null, notification_preferences: 'null', email_verified: null, is_active: null, created_at: null, updated_at: at('2025-11-03 09:00:00'),
  });
  await insert(db, 'users', {
    id: ID.carol, email: 'Carol@Example.com', password_hash: 'pbkdf2:sha256:600000$abc$def', full_name: 'Carol', role_id: ID.roleEditor, credits: 7,
    referral_code: 'CAROL001', language: 'ar-SY', phone_number: 'call me maybe', profile_image: 'http://insecure.example.com/c.png',
    email_verified: false, is_active: true, created_at: at('2025-11-04 09:00:00'), updated_at: at('2025-11-04 09:00:00'),
  });
  await insert(db, 'users', {
    id: DAVE_SOURCE_ID, email: 'dave@example.com', password_hash: bcrypt.hashSync('dave-pw-123', 4), role_id: null, credits: 0,
    referral_code: 'A1B2C3D4', language: 'en', is_active: false, created_at: at('2025-11-05 09:00:00'), updated_at: at('2025-11-05 09:00:00'),
  });
  await insert(db, 'users', {
    id: ID.admin, email: options.adminEmail.toUpperCase(), password_hash: bcrypt.hashSync('whatever-1', 4), role_id: ID.roleOwner, credits: 3,
    referral_code: 'ADM00001', language: 'en', is_active: true, created_at: at('2025-11-01 10:00:00'), updated_at: at('2025-11-01 10:00:00'),
  });

  // Ledger history: refunds only changed a status; the sums disagree with the balances.
  const tx = (id: string, email: string, type: string, credits: number, extra: Record<string, unknown> = {}) =>
    insert(db, 'transactions', { id, user_email: email, type, credits, status: 'completed', created_at: at('2025-12-01 10:00:00'), ...extra });
  await tx('t0000000-0000-4000-8000-000000000001', '  Alice@Example.COM ', 'purchase', 20, { amount_usd: 2.675, reference_id: 'p1' });
  await tx('t0000000-0000-4000-8000-000000000002', '  Alice@Example.COM ', 'analysis', -10, { reference_id: ID.A1, created_at: at('2025-12-10 10:00:00') });
  await tx('t0000000-0000-4000-8000-000000000003', 'bob@example.com', 'usage', -10, { reference_id: ID.A2, status: 'refunded' });
  await tx('legacy-tx-4', 'Carol@Example.com', 'bonus from client', 999, { amount_usd: 37.824999999999996, description: 'client-written' });

  await insert(db, 'credit_packages', { id: 'c0000000-0000-4000-8000-000000000001', name: 'Starter', name_ar: 'المبتدئ', credits: 10, price_usd: 9.99, features: ['a', 1], features_ar: 'null', is_active: true, is_popular: null, created_at: at('2025-11-01 10:00:00') });
  await insert(db, 'credit_packages', { id: 'c0000000-0000-4000-8000-000000000002', name: 'Broken', credits: 0, price_usd: 5, created_at: at('2025-11-01 10:00:00') });

  await insert(db, 'payment_methods', { id: 'm0000000-0000-4000-8000-000000000001', name: 'Bank Transfer', name_ar: 'حوالة بنكية', type: null, details: '"just text"', is_active: null, created_at: at('2025-11-01 10:00:00') });

  await insert(db, 'discount_codes', { id: 'd0000000-0000-4000-8000-000000000001', code: 'save10', discount_percent: 10, max_uses: 1, used_count: 1, is_active: true, created_at: at('2025-11-01 10:00:00') });
  await insert(db, 'discount_codes', { id: 'd0000000-0000-4000-8000-000000000002', code: 'SAVE10', discount_percent: 50, created_at: at('2025-12-01 10:00:00') });
  await insert(db, 'discount_codes', { id: 'd0000000-0000-4000-8000-000000000003', code: 'BOTH', discount_percent: 5, discount_amount: 1.5, created_at: at('2025-12-01 10:00:00') });

  const pay = (id: string, email: string, extra: Record<string, unknown>) =>
    insert(db, 'payments', { id, user_email: email, amount_usd: 9.99, credits: 10, payment_method: 'bank transfer', payment_proof: 'data:image/png;base64,iVBORw0KGgo=', status: 'approved', created_at: at('2025-12-02 10:00:00'), ...extra });
  await pay('p0000000-0000-4000-8000-000000000001', '  Alice@Example.COM ', { original_amount: 11.1, amount_usd: 9.99, discount_code: 'save10', approved_by: options.adminEmail, approved_at: at('2025-12-02 11:00:00') });
  await pay('p0000000-0000-4000-8000-000000000002', 'bob@example.com', { discount_code: 'SAVE10', payment_method: 'Western Union', currency_code: 'SYP', currency_amount: 119880, exchange_rate: 12000 });
  await pay('p0000000-0000-4000-8000-000000000003', 'Carol@Example.com', { status: 'rejected', notes: 'الإيصال غير واضح', payment_method: null, currency_code: 'syp', currency_amount: 5, exchange_rate: 12000 });
  await pay('p0000000-0000-4000-8000-000000000004', 'Carol@Example.com', { status: 'pending', credits: 500, amount_usd: 1, payment_proof: null });
  await pay('p0000000-0000-4000-8000-000000000005', 'Carol@Example.com', { amount_usd: 0, original_amount: null });

  const analysis = (id: string, email: string, extra: Record<string, unknown>) =>
    insert(db, 'analyses', { id, user_email: email, business_idea: 'منصة لتوصيل الوجبات المنزلية في دمشق', status: 'completed', report_type: 'free', report_language: 'english', is_deleted: false, created_at: at('2025-12-10 10:00:00'), updated_at: at('2025-12-10 11:00:00'), ...extra });
  await analysis(ID.A1, '  Alice@Example.COM ', {
    report_type: 'premium', report_language: 'arabic', tab_overview: validOverview, tab_market: legacyMarket, tab_business: { raw_response: 'Sorry, here is text' },
    report: { old: 'blob' }, score: 80, user_rating: 9, user_feedback: 'ممتاز'.repeat(500), tab_processing_started: { overview: '2025-12-10T10:00:00Z' },
  });
  await analysis(ID.A2, 'bob@example.com', { report_type: 'premium', tab_overview: 'null' });
  await analysis(ID.A3, '  Alice@Example.COM ', { tab_overview: validOverview, tab_market: legacyMarket, tab_business: { plan: 'x' }, is_deleted: true, deleted_at: null, report_language: 'ar' });
  await analysis('a0000000-0000-4000-8000-0000000000a4', 'bob@example.com', { business_idea: 'hi' });
  // json that jsonb refuses: a NUL escape inside a string
  await db.query(`INSERT INTO analyses (id, user_email, business_idea, report_type, tab_overview, created_at) VALUES ($1, 'bob@example.com', 'An idea with a broken overview tab', 'free', '{"value_proposition": "a\\u0000b"}', '2025-12-11 10:00:00')`, [ID.A6]);

  await insert(db, 'report_shares', { id: 's0000000-0000-4000-8000-000000000001', analysis_id: ID.A1, share_token: SHARE_TOKEN, created_by: 'alice@example.com', is_active: true, access_count: 4, created_at: at('2025-12-12 10:00:00') });
  await insert(db, 'report_shares', { id: 's0000000-0000-4000-8000-000000000002', analysis_id: ID.A3, share_token: DELETED_SHARE_TOKEN, created_by: null, created_at: at('2025-12-12 10:00:00') });
  await insert(db, 'report_shares', { id: 's0000000-0000-4000-8000-000000000003', analysis_id: 'a0000000-0000-4000-8000-0000000000a4', share_token: 'ab'.repeat(16), created_by: 'bob@example.com' });
  await insert(db, 'report_shares', { id: 's0000000-0000-4000-8000-000000000004', analysis_id: ID.A1, share_token: 'cd'.repeat(16), created_by: 'bob@example.com' });

  await insert(db, 'referrals', { id: 'r0000000-0000-4000-8000-000000000001', referrer_email: 'ALICE@example.com', referred_email: 'bob@example.com', referral_code: 'A1B2C3D4', status: 'pending', created_at: at('2025-11-03 09:00:00') });
  await insert(db, 'referrals', { id: 'r0000000-0000-4000-8000-000000000002', referrer_email: 'carol@example.com', referred_email: 'bob@example.com', referral_code: 'CAROL001', status: 'rewarded', created_at: at('2025-11-04 09:00:00') });
  await insert(db, 'referrals', { id: 'r0000000-0000-4000-8000-000000000003', referrer_email: 'bob@example.com', referred_email: 'alice@example.com', referral_code: 'x', created_at: at('2025-11-05 09:00:00') });
  await insert(db, 'referrals', { id: 'r0000000-0000-4000-8000-000000000004', referrer_email: 'carol@example.com', referred_email: 'CAROL@example.com', referral_code: 'x', created_at: at('2025-11-06 09:00:00') });
  await insert(db, 'referrals', { id: 'r0000000-0000-4000-8000-000000000005', referrer_email: 'carol@example.com', referred_email: 'dave@example.com', referral_code: 'CAROL001', status: 'rewarded', rewarded_at: at('2025-12-01 09:00:00'), created_at: at('2025-11-07 09:00:00') });

  await insert(db, 'notifications', { id: 'n0000000-0000-4000-8000-000000000001', user_email: 'alice@example.com', type: 'analysis_complete', title: 'تقريرك جاهز', message: null, is_read: true, meta_data: { analysis_id: ID.A1 }, created_at: at('2025-12-10 11:00:00') });
  await insert(db, 'notifications', { id: 'n0000000-0000-4000-8000-000000000002', user_email: 'bob@example.com', type: 'server_error', title: null, message: 'x', meta_data: 'null' });
  await insert(db, 'notifications', { id: 'n0000000-0000-4000-8000-000000000003', user_email: 'ghost@example.com', type: 'credits_low', title: 't', message: 'm' });

  const many = Array.from({ length: 250 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `رسالة ${i}`, ...(i % 7 ? { timestamp: '2025-12-10T10:00:00Z' } : {}) }));
  many.splice(3, 0, { role: 'system', content: 'you are a bot' }, { role: 'user', content: 'x'.repeat(20001) });
  await insert(db, 'chat_conversations', { id: 'h0000000-0000-4000-8000-000000000001', user_email: 'Alice@example.com', analysis_id: ID.A1, title: 'محادثة', messages: many, created_at: at('2025-12-10 10:00:00'), updated_at: at('2025-12-10 12:00:00') });
  await insert(db, 'chat_conversations', { id: 'h0000000-0000-4000-8000-000000000002', user_email: 'bob@example.com', analysis_id: ID.A1, title: null, messages: null });
  await db.query(`INSERT INTO chat_conversations (id, user_email, messages) VALUES ('h0000000-0000-4000-8000-000000000003', 'carol@example.com', '[{"role": "user", "content": "unterminated')`).catch(async () => {
    // PostgreSQL validates json input; malformed text only exists in databases written around it. Keep the row without it.
    await insert(db, 'chat_conversations', { id: 'h0000000-0000-4000-8000-000000000003', user_email: 'carol@example.com', messages: { not: 'a list' } });
  });

  await insert(db, 'activity_feed', { id: 'f0000000-0000-4000-8000-000000000001', user_email: 'alice@example.com', action_type: 'analysis_created', title: 'فكرة جديدة', meta_data: { a: 1 }, created_at: at('2025-12-10 10:00:00') });
  await insert(db, 'activity_feed', { id: 'f0000000-0000-4000-8000-000000000002', user_email: null, action_type: 'x' });
  await insert(db, 'audit_logs', { id: 'g0000000-0000-4000-8000-000000000001', action_type: 'payment_approved', user_email: 'alice@example.com', performed_by: options.adminEmail, description: 'ok', entity_type: null, created_at: at('2025-12-02 11:00:00') });

  await insert(db, 'email_templates', { id: 'e0000000-0000-4000-8000-000000000001', template_key: 'low_credits', name: 'Low credits', subject_en: 'Low', subject_ar: 'منخفض', body_en: '{{#if name}}Hi {{name}}{{/if}}', body_ar: 'مرحبا', is_active: true });
  await insert(db, 'email_templates', { id: 'e0000000-0000-4000-8000-000000000002', template_key: 'payment_rejected', name: 'Rejected', subject_en: 'x', subject_ar: null, body_en: null, body_ar: null });

  await insert(db, 'system_settings', { id: 'x0000000-0000-4000-8000-000000000001', key: 'premium_report_cost', value: '10' });
  await insert(db, 'system_settings', { id: 'x0000000-0000-4000-8000-000000000002', key: 'price_per_credit', value: '0.5' });
  await insert(db, 'system_settings', { id: 'x0000000-0000-4000-8000-000000000003', key: 'referral_bonus_credits', value: 'five' });

  await insert(db, 'currencies', { id: 'y0000000-0000-4000-8000-000000000001', code: 'USD', name: 'US Dollar', symbol: '$', exchange_rate: 1, is_default: true, is_active: true });
  await insert(db, 'currencies', { id: 'y0000000-0000-4000-8000-000000000002', code: 'SYP', name: 'Syrian Pound', name_ar: 'ليرة سورية', symbol: 'ل.س', exchange_rate: 12000, is_default: false, is_active: false });
  await insert(db, 'api_request_logs', { id: 'z0000000-0000-4000-8000-000000000001', method: 'POST', path: '/api/auth/login', request_body: { password: 'secret' } });
}

/** Rows §16.4 refuses: a case-duplicate email and a negative balance. */
export async function addRefusedRows(db: SourceDatabase) {
  await insert(db, 'users', { id: 'dup00000-0000-4000-8000-000000000001', email: 'ALICE@example.com', password_hash: null, credits: 1, referral_code: 'DUP00001' });
  await insert(db, 'users', { id: 'neg00000-0000-4000-8000-000000000001', email: 'neg@example.com', password_hash: null, credits: -5, referral_code: 'NEG00001' });
}

export async function removeRefusedRows(db: SourceDatabase) {
  await db.query(`DELETE FROM users WHERE id IN ('dup00000-0000-4000-8000-000000000001', 'neg00000-0000-4000-8000-000000000001')`);
}

// ── Wave-2 tables (SPEC-WAVE2 §16.3: currencies, NGO programme, public site), realistic and hostile ──
export const W2 = {
  eur: 'y0000000-0000-4000-8000-000000000003',
  euro: 'y0000000-0000-4000-8000-000000000004',
  tryZero: 'y0000000-0000-4000-8000-000000000005',
  aed: 'y0000000-0000-4000-8000-000000000006',
  eurCase: 'y0000000-0000-4000-8000-000000000007',
  gbp: 'y0000000-0000-4000-8000-000000000008',
  payJodLate: 'p0000000-0000-4000-8000-000000000011',
  payJodEarly: 'p0000000-0000-4000-8000-000000000012',
  payTry: 'p0000000-0000-4000-8000-000000000013',
  payBadCode: 'p0000000-0000-4000-8000-000000000014',
  payEurNoRate: 'p0000000-0000-4000-8000-000000000015',
  reqAlice: 'q0000000-0000-4000-8000-000000000001',
  reqBobOld: 'q0000000-0000-4000-8000-000000000002',
  reqBobNew: 'q0000000-0000-4000-8000-000000000003',
  reqCarolShort: 'q0000000-0000-4000-8000-000000000004',
  reqCarolWeird: 'q0000000-0000-4000-8000-000000000006',
  vOver: 'v0000000-0000-4000-8000-000000000001',
  vZero: 'v0000000-0000-4000-8000-000000000002',
  vWindow: 'v0000000-0000-4000-8000-000000000003',
  vOrphan: 'v0000000-0000-4000-8000-000000000004',
  vBadCode: 'v0000000-0000-4000-8000-000000000005',
  vCase: 'v0000000-0000-4000-8000-000000000006',
  W1: 'a0000000-0000-4000-8000-0000000000b1',
  W2: 'a0000000-0000-4000-8000-0000000000b2',
  W3: 'a0000000-0000-4000-8000-0000000000b3',
  W4: 'a0000000-0000-4000-8000-0000000000b4',
  W5: 'a0000000-0000-4000-8000-0000000000b5',
  W6: 'a0000000-0000-4000-8000-0000000000b6',
  W7: 'a0000000-0000-4000-8000-0000000000b8',
  partnerOk: 'pa000000-0000-4000-8000-000000000001',
  partnerHttp: 'pa000000-0000-4000-8000-000000000002',
  partnerColour: 'pa000000-0000-4000-8000-000000000003',
  partnerNoLogo: 'pa000000-0000-4000-8000-000000000004',
  partnerSvg: 'pa000000-0000-4000-8000-000000000005',
  socialOk: 'so000000-0000-4000-8000-000000000001',
  socialHttp: 'so000000-0000-4000-8000-000000000002',
  socialIcon: 'so000000-0000-4000-8000-000000000003',
  socialScript: 'so000000-0000-4000-8000-000000000004',
  msgRead: 'cm000000-0000-4000-8000-000000000001',
  msgLong: 'cm000000-0000-4000-8000-000000000002',
  msgShort: 'cm000000-0000-4000-8000-000000000003',
  msgBadEmail: 'cm000000-0000-4000-8000-000000000004',
  msgLongName: 'cm000000-0000-4000-8000-000000000005',
} as const;
export const VOUCHER_CODE = 'SYRIANRELI_123';
export const CONTACT_BODY = 'مرحبا، أود معرفة المزيد عن باقات الأسعار.';

/** Adds the wave-2 rows on top of `fillFixture` (its users alice, bob, carol, dave and the admin). */
export async function fillWave2Fixture(db: SourceDatabase, options: { adminEmail: string }) {
  const cur = (id: string, code: string, rate: number, extra: Record<string, unknown> = {}) =>
    insert(db, 'currencies', { id, code, name: `${code} name`, symbol: code.slice(0, 3), exchange_rate: rate, is_default: false, is_active: true, sort_order: 5, created_at: '2025-12-25 10:00:00', updated_at: '2026-01-02 10:00:00', ...extra });
  await cur(W2.eur, 'eur', 0.92, { name: 'Euro', name_ar: 'يورو', symbol: '€', sort_order: 2 });
  await cur(W2.euro, 'EURO', 0.92);
  await cur(W2.tryZero, 'TRY', 0);
  await cur(W2.aed, 'AED', 3.6725, { is_default: true }); // a second active default next to USD
  await cur(W2.eurCase, 'Eur', 0.93, { created_at: '2025-12-26 10:00:00' });
  await cur(W2.gbp, 'GBP', 0.7912345678, { is_active: false });

  const pay = (id: string, extra: Record<string, unknown>) =>
    insert(db, 'payments', { id, user_email: 'dave@example.com', amount_usd: 10, credits: 10, payment_method: 'Bank Transfer', status: 'approved', approved_by: options.adminEmail, approved_at: '2026-01-03 10:00:00', created_at: '2026-01-03 09:00:00', ...extra });
  await pay(W2.payJodLate, { currency_code: 'JOD', currency_amount: 7.09, exchange_rate: 0.709 }); // JOD: no currency row
  await pay(W2.payJodEarly, { currency_code: 'jod', currency_amount: 7, exchange_rate: 0.7, created_at: '2026-01-02 09:00:00' });
  await pay(W2.payTry, { currency_code: 'TRY', currency_amount: 320, exchange_rate: 32 }); // TRY's row has rate 0
  await pay(W2.payBadCode, { currency_code: 'US$', currency_amount: 10, exchange_rate: 1 });
  await pay(W2.payEurNoRate, { currency_code: 'eur', currency_amount: 9.2, exchange_rate: null });

  const req = (id: string, userId: string, extra: Record<string, unknown>) =>
    insert(db, 'ngo_requests', {
      id, user_id: userId, organization_name: 'Syrian Relief Network', organization_type: 'charity', contact_name: 'Rami Haddad', contact_email: 'Info@Relief.Example.org',
      contact_phone: '+963 11 222 3333', website: 'https://relief.example.org', description: 'نساعد الشباب على بدء مشاريعهم.', status: 'pending',
      created_at: '2026-01-08 10:00:00', updated_at: '2026-01-08 10:00:00', ...extra,
    });
  await req(W2.reqAlice, ID.alice, { status: 'approved', reviewed_by: options.adminEmail.toUpperCase(), reviewed_at: '2026-01-08 12:00:00', admin_notes: 'ok' });
  await req(W2.reqBobOld, ID.bob, { organization_type: 'Religious Org', website: 'http://bob.example.com', created_at: '2026-01-09 10:00:00' });
  await req(W2.reqBobNew, ID.bob, { organization_name: 'Bob Foundation', organization_type: 'foundation', status: 'approved', created_at: '2026-01-10 10:00:00' });
  await req(W2.reqCarolShort, ID.carol, { organization_name: 'X', status: 'rejected' });
  await req(W2.reqCarolWeird, ID.carol, { status: 'on hold', description: 'و'.repeat(2500), contact_phone: 'call the office', contact_email: 'Office at Relief' });

  const voucher = (id: string, requestId: string, code: string, extra: Record<string, unknown>) =>
    insert(db, 'project_vouchers', { id, ngo_request_id: requestId, code, name: `Programme ${code}`, is_active: true, created_at: '2026-01-08 13:00:00', updated_at: '2026-01-08 13:00:00', ...extra });
  await voucher(W2.vOver, W2.reqAlice, VOUCHER_CODE, { linked_ideas_count: 2, activation_start: '2026-01-01', activation_end: '2026-12-31' });
  await voucher(W2.vZero, W2.reqAlice, 'voucher_042', { linked_ideas_count: 0 });
  await voucher(W2.vWindow, W2.reqAlice, 'VOUCHER_043', { linked_ideas_count: 5, activation_start: '2026-06-01', activation_end: '2026-02-01' });
  await voucher(W2.vOrphan, W2.reqCarolShort, 'CAROL_001', { linked_ideas_count: 3 });
  await voucher(W2.vBadCode, W2.reqBobNew, 'a b!', { linked_ideas_count: 3 });
  await voucher(W2.vCase, W2.reqBobNew, 'Voucher_042', { linked_ideas_count: 3, created_at: '2026-01-09 13:00:00' });

  const linked = (id: string, email: string, voucherId: string, createdAt: string, extra: Record<string, unknown> = {}) =>
    insert(db, 'analyses', { id, user_email: email, business_idea: 'ورشة لإصلاح الهواتف في حلب', report_type: 'premium', report_language: 'arabic', status: 'completed', voucher_id: voucherId, is_ngo_favourite: false, is_ngo_archived: false, created_at: createdAt, updated_at: createdAt, ...extra });
  await linked(W2.W1, '  Alice@Example.COM ', W2.vOver, '2026-01-11 10:00:00', { is_ngo_favourite: true }); // the NGO's own account (§13.2 refuses it)
  await linked(W2.W2, 'bob@example.com', W2.vOver, '2026-01-12 10:00:00', { is_ngo_archived: true });
  await linked(W2.W7, 'Carol@Example.com', W2.vOver, '2026-01-12 15:00:00', { is_ngo_favourite: true });
  await linked(W2.W3, 'dave@example.com', W2.vOver, '2026-01-13 10:00:00'); // the third on a cap of 2 (upstream race)
  await linked(W2.W4, 'dave@example.com', W2.vWindow, '2026-01-14 10:00:00');
  await linked(W2.W5, 'dave@example.com', W2.vWindow, '2026-01-15 10:00:00'); // same (voucher, user) again
  await linked(W2.W6, 'Carol@Example.com', W2.vOrphan, '2026-01-16 10:00:00'); // its voucher's request is not imported

  const partner = (id: string, name: string, extra: Record<string, unknown>) =>
    insert(db, 'partners', { id, name, name_ar: `شريك ${name}`, logo_url: 'https://cdn.example.com/logo.png', website_url: 'https://partner.example.org', color: '1A2B3C', display_order: 1, is_active: true, created_at: '2025-12-23 10:00:00', ...extra });
  await partner(W2.partnerOk, 'Syrian Startups', {});
  await partner(W2.partnerHttp, 'Old Partner', { website_url: 'http://old.example.com/about', display_order: 2 });
  await partner(W2.partnerColour, 'Bad Colour', { color: 'purple', display_order: 3 });
  await partner(W2.partnerNoLogo, 'No Logo', { logo_url: null, name_ar: null, display_order: 4 });
  await partner(W2.partnerSvg, 'Scripted Logo', { logo_url: 'data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+', display_order: 5 });

  const social = (id: string, platform: string, extra: Record<string, unknown>) =>
    insert(db, 'social_media', { id, platform, url: `https://${platform.toLowerCase()}.com/planlyze`, icon: platform, display_order: 1, is_active: true, created_at: '2025-12-23 10:00:00', ...extra });
  await social(W2.socialOk, 'Facebook', { hover_color: 'hover:bg-blue-600 hover:border-blue-600' });
  await social(W2.socialHttp, 'Twitter', { url: 'http://twitter.com/planlyze', display_order: 2 });
  await social(W2.socialIcon, 'Instagram', { icon: 'fa-instagram', hover_color: 'hover:bg-pink-500"><script>alert(1)</script>', display_order: 3 });
  await social(W2.socialScript, 'Evil', { url: 'javascript:alert(1)', display_order: 4 });

  const message = (id: string, extra: Record<string, unknown>) =>
    insert(db, 'contact_messages', { id, name: 'Sami', email: 'sami@example.com', message: CONTACT_BODY, is_read: false, email_sent: true, created_at: '2026-01-04 10:00:00', ...extra });
  await message(W2.msgRead, { email: ' Sami@Example.COM ', is_read: true });
  await message(W2.msgLong, { name: 'Long', email: 'long@example.com', message: `${'long message '.repeat(500)}END` });
  await message(W2.msgShort, { name: 'Short', message: 'hi' });
  await message(W2.msgBadEmail, { name: 'Bad', email: 'not-an-email' });
  await message(W2.msgLongName, { name: 'N'.repeat(250), email: 'names@example.com' });
}
