/**
 * The whole data model. Invariants live here, in the database, not only in route code:
 * CHECKs for ranges and enum values, partial UNIQUE indexes that make a second booking of the
 * same business event impossible, and foreign keys with an explicit ON DELETE.
 * Column names are snake_case in SQL (drizzle `casing: 'snake_case'`, set in db/client.ts and drizzle.config.ts).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

const id = () => uuid().primaryKey().defaultRandom();
const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
/** USD amounts: numeric(12,2) in the database, strings in drizzle, JSON numbers in the API. */
const usd = () => numeric({ precision: 12, scale: 2 });

/** SQL `IN (...)` list for a CHECK constraint over a fixed vocabulary. */
function oneOf(values: readonly string[]) {
  return sql.raw(values.map((v) => `'${v}'`).join(', '));
}

export const LANGUAGES = ['en', 'ar'] as const;
export const TRANSACTION_TYPES = [
  'signup_bonus',
  'purchase',
  'analysis_charge',
  'refund',
  'adjustment',
  'referral_bonus',
  'opening_balance',
] as const;
export const PAYMENT_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const REDEMPTION_STATUSES = ['reserved', 'confirmed', 'released'] as const;
export const REFERRAL_STATUSES = ['joined', 'rewarded'] as const;
export const ANALYSIS_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export const REPORT_TYPES = ['free', 'premium'] as const;
export const SECTION_NAMES = ['overview', 'market', 'business', 'technical', 'financial', 'strategy'] as const;
export const SECTION_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export const NOTIFICATION_TYPES = [
  'payment_approved',
  'payment_rejected',
  'analysis_completed',
  'analysis_failed',
  'referral_joined',
  'referral_rewarded',
  'credits_added',
  'credits_low',
  'share_opened',
  'announcement',
  // wave 2 (SPEC-WAVE2 §0 §7; the admin_* types are sent by the features that own them)
  'ngo_request_reviewed',
  'ngo_report_linked',
  'admin_new_payment',
  'admin_analysis_failed',
  'admin_contact_message',
  'admin_new_rating',
  'admin_ngo_request',
] as const;
export const AI_CALL_KINDS = ['section', 'chat', 'invoke', 'validate', 'research'] as const;

export type TransactionType = (typeof TRANSACTION_TYPES)[number];
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type SectionName = (typeof SECTION_NAMES)[number];

// ─── Identity ────────────────────────────────────────────────────────────────

export const roles = pgTable(
  'roles',
  {
    id: id(),
    name: text().notNull(),
    description: text(),
    permissions: text().array().notNull().default(sql`'{}'::text[]`),
    isBuiltin: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('roles_name_lower_unique').on(sql`lower(${t.name})`),
    check('roles_name_format', sql`${t.name} ~ '^[A-Za-z0-9_-]{2,50}$'`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text().notNull(),
    passwordHash: text().notNull(),
    fullName: text(),
    displayName: text(),
    language: text().notNull().default('en'),
    profileImage: text(),
    phoneNumber: text(),
    country: text(),
    city: text(),
    notificationPreferences: jsonb().$type<Record<string, boolean>>().notNull().default({}),
    onboardingCompleted: boolean().notNull().default(false),
    onboardingStep: integer().notNull().default(0),
    roleId: uuid()
      .notNull()
      .references(() => roles.id, { onDelete: 'restrict' }),
    /** Cached balance; always equals the sum of the user's ledger rows (see services/ledger.ts). */
    credits: integer().notNull().default(0),
    referralCode: text().notNull(),
    referredBy: uuid().references((): AnyPgColumn => users.id, { onDelete: 'set null' }),
    isActive: boolean().notNull().default(true),
    lastLoginAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** SPEC-WAVE2 §11.6 (migration 0006): NULL until the address is proven; the signup bonus waits for it. */
    emailVerifiedAt: timestamp({ withTimezone: true }),
    signupBonusDue: boolean().notNull().default(false),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_referral_code_unique').on(t.referralCode),
    index('users_created_at_idx').on(t.createdAt),
    index('users_role_id_idx').on(t.roleId),
    index('users_referred_by_idx').on(t.referredBy),
    check('users_email_lower', sql`${t.email} = lower(${t.email})`),
    check('users_credits_non_negative', sql`${t.credits} >= 0`),
    check('users_language', sql`${t.language} IN (${oneOf(LANGUAGES)})`),
    check('users_onboarding_step_range', sql`${t.onboardingStep} BETWEEN 0 AND 20`),
    check('users_referral_code_format', sql`${t.referralCode} ~ '^[A-Z0-9]{8}$'`),
    check('users_not_self_referred', sql`${t.referredBy} IS NULL OR ${t.referredBy} <> ${t.id}`),
  ],
);

/**
 * Every issued access token has a row; a token is valid only while its row exists, is not revoked
 * and not expired. Logout and password change revoke rows; deactivation is checked on the user.
 */
export const authSessions = pgTable(
  'auth_sessions',
  {
    jti: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    issuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    revokedReason: text(),
  },
  (t) => [
    index('auth_sessions_user_id_idx').on(t.userId),
    index('auth_sessions_expires_at_idx').on(t.expiresAt),
  ],
);

/** Fixed-window counters for rate limits (login, registration, AI). One row per key. */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text().primaryKey(),
    count: integer().notNull(),
    resetAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index('rate_limits_reset_at_idx').on(t.resetAt), check('rate_limits_count_positive', sql`${t.count} > 0`)],
);

// ─── Credits and money ───────────────────────────────────────────────────────

/**
 * The append-only ledger. Partial unique indexes make each business event bookable once.
 * A trigger (migration 0001) refuses DELETE and any change other than setting refunded_by once.
 */
export const transactions = pgTable(
  'transactions',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    type: text().$type<TransactionType>().notNull(),
    credits: integer().notNull(),
    balanceAfter: integer().notNull(),
    referenceType: text(),
    referenceId: uuid(),
    description: text(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    refundedBy: uuid().references((): AnyPgColumn => transactions.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('transactions_user_created_idx').on(t.userId, t.createdAt),
    index('transactions_user_type_idx').on(t.userId, t.type),
    index('transactions_reference_idx').on(t.referenceType, t.referenceId),
    uniqueIndex('transactions_one_signup_bonus_per_user').on(t.userId).where(sql`${t.type} = 'signup_bonus'`),
    uniqueIndex('transactions_one_purchase_per_payment').on(t.referenceId).where(sql`${t.type} = 'purchase'`),
    uniqueIndex('transactions_one_bonus_per_referral').on(t.referenceId).where(sql`${t.type} = 'referral_bonus'`),
    uniqueIndex('transactions_one_open_charge_per_analysis')
      .on(t.referenceId)
      .where(sql`${t.type} = 'analysis_charge' AND ${t.refundedBy} IS NULL`),
    uniqueIndex('transactions_one_refund_per_charge').on(t.referenceId).where(sql`${t.type} = 'refund'`),
    uniqueIndex('transactions_one_opening_balance_per_user').on(t.userId).where(sql`${t.type} = 'opening_balance'`),
    check('transactions_type', sql`${t.type} IN (${oneOf(TRANSACTION_TYPES)})`),
    check(
      'transactions_credits_sign',
      sql`CASE ${t.type}
            WHEN 'analysis_charge' THEN ${t.credits} < 0
            WHEN 'adjustment' THEN ${t.credits} <> 0
            ELSE ${t.credits} > 0 END`,
    ),
    check('transactions_balance_after_non_negative', sql`${t.balanceAfter} >= 0`),
    check(
      'transactions_reference_required',
      sql`${t.type} IN ('signup_bonus', 'adjustment', 'opening_balance') OR ${t.referenceId} IS NOT NULL`,
    ),
    check('transactions_refund_only_charges', sql`${t.refundedBy} IS NULL OR ${t.type} = 'analysis_charge'`),
  ],
);

export const creditPackages = pgTable(
  'credit_packages',
  {
    id: id(),
    name: text().notNull(),
    nameAr: text(),
    credits: integer().notNull(),
    priceUsd: usd().notNull(),
    description: text(),
    descriptionAr: text(),
    features: jsonb().$type<string[]>().notNull().default([]),
    featuresAr: jsonb().$type<string[]>().notNull().default([]),
    isActive: boolean().notNull().default(true),
    isPopular: boolean().notNull().default(false),
    sortOrder: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('credit_packages_active_sort_idx').on(t.isActive, t.sortOrder),
    check('credit_packages_credits_positive', sql`${t.credits} > 0`),
    check('credit_packages_price_positive', sql`${t.priceUsd} > 0`),
  ],
);

export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: id(),
    name: text().notNull(),
    nameAr: text(),
    type: text().notNull(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    instructions: text(),
    instructionsAr: text(),
    logoUrl: text(),
    isActive: boolean().notNull().default(true),
    sortOrder: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('payment_methods_active_sort_idx').on(t.isActive, t.sortOrder)],
);

export const discountCodes = pgTable(
  'discount_codes',
  {
    id: id(),
    code: text().notNull(),
    discountPercent: integer(),
    discountAmount: usd(),
    minPurchaseAmount: usd(),
    maxUses: integer(),
    perUserLimit: integer().notNull().default(1),
    /** Reserved + confirmed uses; the CHECK against max_uses makes over-redemption impossible. */
    usesCount: integer().notNull().default(0),
    validFrom: timestamp({ withTimezone: true }),
    validUntil: timestamp({ withTimezone: true }),
    isActive: boolean().notNull().default(true),
    description: text(),
    descriptionAr: text(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('discount_codes_code_lower_unique').on(sql`lower(${t.code})`),
    index('discount_codes_created_at_idx').on(t.createdAt),
    check('discount_codes_code_upper', sql`${t.code} = upper(${t.code}) AND length(${t.code}) BETWEEN 3 AND 40`),
    check('discount_codes_one_kind', sql`num_nonnulls(${t.discountPercent}, ${t.discountAmount}) = 1`),
    check('discount_codes_percent_range', sql`${t.discountPercent} IS NULL OR ${t.discountPercent} BETWEEN 1 AND 100`),
    check('discount_codes_amount_positive', sql`${t.discountAmount} IS NULL OR ${t.discountAmount} > 0`),
    check('discount_codes_min_purchase', sql`${t.minPurchaseAmount} IS NULL OR ${t.minPurchaseAmount} >= 0`),
    check('discount_codes_max_uses_positive', sql`${t.maxUses} IS NULL OR ${t.maxUses} > 0`),
    check('discount_codes_per_user_limit_positive', sql`${t.perUserLimit} > 0`),
    check(
      'discount_codes_uses_within_max',
      sql`${t.usesCount} >= 0 AND (${t.maxUses} IS NULL OR ${t.usesCount} <= ${t.maxUses})`,
    ),
    check(
      'discount_codes_valid_window',
      sql`${t.validFrom} IS NULL OR ${t.validUntil} IS NULL OR ${t.validUntil} > ${t.validFrom}`,
    ),
  ],
);

/**
 * Per (code, user) use counter. `max_uses` is copied from the code's per_user_limit when the row is
 * written, so the CHECK refuses a reservation over the limit even under concurrent buyers
 * (the upsert locks the row; the loser's batch fails with 23514 and rolls back).
 */
export const discountCodeUserUses = pgTable(
  'discount_code_user_uses',
  {
    discountCodeId: uuid()
      .notNull()
      .references(() => discountCodes.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    uses: integer().notNull(),
    maxUses: integer().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.discountCodeId, t.userId] }),
    check('discount_code_user_uses_within_limit', sql`${t.uses} >= 0 AND ${t.uses} <= ${t.maxUses}`),
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    packageId: uuid()
      .notNull()
      .references(() => creditPackages.id, { onDelete: 'restrict' }),
    paymentMethodId: uuid()
      .notNull()
      .references(() => paymentMethods.id, { onDelete: 'restrict' }),
    quantity: integer().notNull().default(1),
    credits: integer().notNull(),
    listPriceUsd: usd().notNull(),
    discountUsd: usd().notNull().default('0'),
    amountUsd: usd().notNull(),
    discountCodeId: uuid().references(() => discountCodes.id, { onDelete: 'restrict' }),
    /** NULL only for payments imported from the Flask app (§16.1, CHECK payments_proof_unless_imported). */
    paymentProof: text(),
    source: text().$type<'api' | 'import'>().notNull().default('api'),
    notes: text(),
    status: text().notNull().default('pending'),
    reviewedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: timestamp({ withTimezone: true }),
    rejectionReason: text(),
    /** SPEC-WAVE2 §12 (migration 0004): what the user transfers, fixed at submission from the rate then in force. */
    currencyCode: text()
      .notNull()
      .default('USD')
      .references((): AnyPgColumn => currencies.code, { onDelete: 'restrict' }),
    exchangeRate: numeric({ precision: 20, scale: 6 }).notNull().default('1'),
    currencyDecimals: smallint().notNull().default(2),
    currencyAmountMinor: bigint({ mode: 'bigint' }).notNull(),
    rateQuotedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('payments_user_created_idx').on(t.userId, t.createdAt),
    index('payments_status_created_idx').on(t.status, t.createdAt),
    index('payments_created_at_idx').on(t.createdAt),
    check('payments_status', sql`${t.status} IN (${oneOf(PAYMENT_STATUSES)})`),
    check('payments_quantity_range', sql`${t.quantity} BETWEEN 1 AND 100`),
    check('payments_credits_positive', sql`${t.credits} > 0`),
    check('payments_list_price_positive', sql`${t.listPriceUsd} > 0`),
    check('payments_discount_range', sql`${t.discountUsd} >= 0 AND ${t.discountUsd} <= ${t.listPriceUsd}`),
    check('payments_amount', sql`${t.amountUsd} >= 0 AND ${t.amountUsd} = ${t.listPriceUsd} - ${t.discountUsd}`),
    check('payments_source', sql`${t.source} IN ('api', 'import')`),
    check('payments_proof_unless_imported', sql`${t.source} = 'import' OR ${t.paymentProof} IS NOT NULL`),
    check('payments_review_consistent', sql`(${t.status} = 'pending') = (${t.reviewedAt} IS NULL)`),
    // SPEC-WAVE2 §12 (migration 0004; its BEFORE INSERT trigger fills a USD row's minor amount from amount_usd).
    index('payments_currency_status_idx').on(t.currencyCode, t.status),
    check(
      'payments_currency_amount_non_negative',
      sql`${t.currencyAmountMinor} >= 0 AND ${t.exchangeRate} > 0 AND ${t.currencyDecimals} BETWEEN 0 AND 4`,
    ),
    check(
      'payments_usd_consistent',
      sql`${t.currencyCode} <> 'USD' OR (${t.exchangeRate} = 1 AND ${t.currencyAmountMinor} = ${t.amountUsd} * 100)`,
    ),
  ],
);

export const discountRedemptions = pgTable(
  'discount_redemptions',
  {
    id: id(),
    discountCodeId: uuid()
      .notNull()
      .references(() => discountCodes.id, { onDelete: 'restrict' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    paymentId: uuid()
      .notNull()
      .references(() => payments.id, { onDelete: 'cascade' }),
    status: text().notNull().default('reserved'),
    discountUsd: usd().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('discount_redemptions_payment_unique').on(t.paymentId),
    index('discount_redemptions_code_idx').on(t.discountCodeId, t.createdAt),
    check('discount_redemptions_status', sql`${t.status} IN (${oneOf(REDEMPTION_STATUSES)})`),
  ],
);

export const referrals = pgTable(
  'referrals',
  {
    id: id(),
    referrerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    referredId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text().notNull().default('joined'),
    rewardedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('referrals_referred_unique').on(t.referredId),
    index('referrals_referrer_idx').on(t.referrerId, t.createdAt),
    check('referrals_status', sql`${t.status} IN (${oneOf(REFERRAL_STATUSES)})`),
    check('referrals_not_self', sql`${t.referrerId} <> ${t.referredId}`),
  ],
);

export const systemSettings = pgTable('system_settings', {
  key: text().primaryKey(),
  value: jsonb().notNull(),
  updatedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
  updatedAt: updatedAt(),
});

// ─── Analyses and reports ────────────────────────────────────────────────────

export const analyses = pgTable(
  'analyses',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    businessIdea: text().notNull(),
    industry: text(),
    targetMarket: text(),
    location: text(),
    budget: text(),
    reportLanguage: text().notNull().default('en'),
    reportType: text().notNull().default('free'),
    status: text().notNull().default('pending'),
    /** Copied from the overview section when it is stored, so list items need no report body. */
    marketFitScore: integer(),
    userRating: integer(),
    userFeedback: text(),
    forcedRuns: integer().notNull().default(0),
    generationStartedAt: timestamp({ withTimezone: true }),
    aiInputTokens: integer().notNull().default(0),
    aiOutputTokens: integer().notNull().default(0),
    aiCalls: integer().notNull().default(0),
    /** Issue 15: web searches of the research step, and the cost of every model call in nano-USD (exact). */
    aiWebSearches: integer().notNull().default(0),
    aiCostNanoUsd: bigint({ mode: 'bigint' }).notNull().default(sql`0`),
    /** A premium report paid for in the Flask system (§16.1): generation never charges it. */
    legacyPaid: boolean().notNull().default(false),
    deletedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('analyses_user_created_idx').on(t.userId, t.createdAt).where(sql`${t.deletedAt} IS NULL`),
    index('analyses_created_at_idx').on(t.createdAt),
    index('analyses_status_idx').on(t.status),
    index('analyses_report_type_idx').on(t.reportType),
    index('analyses_industry_idx').on(t.industry),
    check('analyses_status', sql`${t.status} IN (${oneOf(ANALYSIS_STATUSES)})`),
    check('analyses_report_type', sql`${t.reportType} IN (${oneOf(REPORT_TYPES)})`),
    check('analyses_report_language', sql`${t.reportLanguage} IN (${oneOf(LANGUAGES)})`),
    check('analyses_idea_length', sql`char_length(${t.businessIdea}) BETWEEN 10 AND 10000`),
    check('analyses_rating_range', sql`${t.userRating} IS NULL OR ${t.userRating} BETWEEN 1 AND 5`),
    check('analyses_feedback_length', sql`${t.userFeedback} IS NULL OR char_length(${t.userFeedback}) <= 2000`),
    check('analyses_market_fit_range', sql`${t.marketFitScore} IS NULL OR ${t.marketFitScore} BETWEEN 0 AND 100`),
    check('analyses_forced_runs_range', sql`${t.forcedRuns} BETWEEN 0 AND 3`),
    check(
      'analyses_ai_usage_non_negative',
      sql`${t.aiInputTokens} >= 0 AND ${t.aiOutputTokens} >= 0 AND ${t.aiCalls} >= 0`,
    ),
  ],
);

/** One row per (analysis, section): each section is stored and claimed on its own, atomically. */
export const analysisSections = pgTable(
  'analysis_sections',
  {
    analysisId: uuid()
      .notNull()
      .references(() => analyses.id, { onDelete: 'cascade' }),
    section: text().$type<SectionName>().notNull(),
    status: text().notNull().default('pending'),
    content: jsonb(),
    errorCode: text(),
    startedAt: timestamp({ withTimezone: true }),
    updatedAt: updatedAt(),
    /** Issue 15: `{url, title}` of the research results and catalog entries backing this section. */
    sources: jsonb().$type<{ url: string; title: string }[]>().notNull().default([]),
    /** researched | not_researched | search_failed for the sections that use research; null for the others. */
    research: text(),
  },
  (t) => [
    primaryKey({ columns: [t.analysisId, t.section] }),
    check('analysis_sections_research', sql`${t.research} IS NULL OR ${t.research} IN ('researched', 'not_researched', 'search_failed')`),
    index('analysis_sections_processing_idx').on(t.startedAt).where(sql`${t.status} = 'processing'`),
    check('analysis_sections_section', sql`${t.section} IN (${oneOf(SECTION_NAMES)})`),
    check('analysis_sections_status', sql`${t.status} IN (${oneOf(SECTION_STATUSES)})`),
    check('analysis_sections_content_when_completed', sql`${t.status} <> 'completed' OR ${t.content} IS NOT NULL`),
  ],
);

export const reportShares = pgTable(
  'report_shares',
  {
    id: id(),
    analysisId: uuid()
      .notNull()
      .references(() => analyses.id, { onDelete: 'cascade' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 (hex) of the token; the token itself is shown once at creation and never stored. */
    tokenHash: text().notNull(),
    isActive: boolean().notNull().default(true),
    expiresAt: timestamp({ withTimezone: true }),
    viewCount: integer().notNull().default(0),
    lastViewedAt: timestamp({ withTimezone: true }),
    lastNotifiedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('report_shares_token_hash_unique').on(t.tokenHash),
    index('report_shares_user_created_idx').on(t.userId, t.createdAt),
    index('report_shares_analysis_idx').on(t.analysisId),
    check('report_shares_view_count_non_negative', sql`${t.viewCount} >= 0`),
  ],
);

// ─── Messaging, conversations, logs ──────────────────────────────────────────

export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text().$type<NotificationType>().notNull(),
    title: text().notNull(),
    message: text().notNull(),
    titleAr: text(),
    messageAr: text(),
    data: jsonb().$type<Record<string, unknown>>(),
    isRead: boolean().notNull().default(false),
    readAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('notifications_user_created_idx').on(t.userId, t.createdAt),
    index('notifications_user_unread_idx').on(t.userId).where(sql`NOT ${t.isRead}`),
    check('notifications_type', sql`${t.type} IN (${oneOf(NOTIFICATION_TYPES)})`),
  ],
);

export type ChatMessage = { role: 'user' | 'assistant'; content: string; timestamp: string };

export const chatConversations = pgTable(
  'chat_conversations',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    analysisId: uuid().references(() => analyses.id, { onDelete: 'set null' }),
    title: text(),
    messages: jsonb().$type<ChatMessage[]>().notNull().default([]),
    messageCount: integer().notNull().default(0),
    aiInputTokens: integer().notNull().default(0),
    aiOutputTokens: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('chat_conversations_user_updated_idx').on(t.userId, t.updatedAt),
    check('chat_conversations_message_count', sql`${t.messageCount} BETWEEN 0 AND 200`),
    check('chat_conversations_messages_match_count', sql`jsonb_array_length(${t.messages}) = ${t.messageCount}`),
  ],
);

/** One row per model call: tokens, model and duration, summed per analysis and per conversation. */
export const aiUsage = pgTable(
  'ai_usage',
  {
    id: id(),
    userId: uuid().references(() => users.id, { onDelete: 'set null' }),
    analysisId: uuid().references(() => analyses.id, { onDelete: 'set null' }),
    conversationId: uuid().references(() => chatConversations.id, { onDelete: 'set null' }),
    kind: text().notNull(),
    section: text(),
    model: text().notNull(),
    inputTokens: integer().notNull().default(0),
    outputTokens: integer().notNull().default(0),
    durationMs: integer().notNull().default(0),
    ok: boolean().notNull(),
    errorCode: text(),
    createdAt: createdAt(),
    cacheCreationInputTokens: integer().notNull().default(0),
    cacheReadInputTokens: integer().notNull().default(0),
    webSearchRequests: integer().notNull().default(0),
    /** Cost at the configured prices when the call was made; null when the model has no price. */
    costNanoUsd: bigint({ mode: 'bigint' }),
  },
  (t) => [
    index('ai_usage_analysis_idx').on(t.analysisId),
    index('ai_usage_created_idx').on(t.createdAt),
    index('ai_usage_conversation_idx').on(t.conversationId),
    index('ai_usage_user_created_idx').on(t.userId, t.createdAt),
    check('ai_usage_kind', sql`${t.kind} IN (${oneOf(AI_CALL_KINDS)})`),
  ],
);

export const auditLogs = pgTable(
  'audit_logs',
  {
    id: id(),
    actorId: uuid().references(() => users.id, { onDelete: 'set null' }),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text(),
    changes: jsonb().$type<{ before?: Record<string, unknown>; after?: Record<string, unknown> }>(),
    requestId: text(),
    ipAddress: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_created_at_idx').on(t.createdAt),
    index('audit_logs_actor_idx').on(t.actorId, t.createdAt),
    index('audit_logs_action_idx').on(t.action, t.createdAt),
    index('audit_logs_entity_idx').on(t.entityType, t.entityId),
  ],
);

export const activityFeed = pgTable(
  'activity_feed',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    action: text().notNull(),
    entityType: text(),
    entityId: uuid(),
    data: jsonb().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('activity_feed_user_created_idx').on(t.userId, t.createdAt)],
);

export const emailTemplates = pgTable(
  'email_templates',
  {
    id: id(),
    templateKey: text().notNull(),
    name: text().notNull(),
    subjectEn: text().notNull(),
    subjectAr: text().notNull(),
    bodyEn: text().notNull(),
    bodyAr: text().notNull(),
    description: text(),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('email_templates_key_unique').on(t.templateKey),
    check('email_templates_key_format', sql`${t.templateKey} ~ '^[a-z0-9_]{2,64}$'`),
  ],
);

// ─── Public site and support desk (SPEC-WAVE2 §14, §15) ──────────────────────

export const CONTACT_STATUSES = ['new', 'read', 'replied', 'archived', 'spam'] as const;
export const CONTACT_SPAM_REASONS = ['honeypot', 'links'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

export const contactMessages = pgTable(
  'contact_messages',
  {
    id: id(),
    name: text().notNull(),
    email: text().notNull(),
    subject: text(),
    message: text().notNull(),
    language: text().notNull().default('en'),
    userId: uuid().references(() => users.id, { onDelete: 'set null' }),
    status: text().$type<ContactStatus>().notNull().default('new'),
    spamReason: text(),
    adminNote: text(),
    handledBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    handledAt: timestamp({ withTimezone: true }),
    /** HMAC-SHA256 of the client IP keyed from SECRET_KEY: the raw IP is never stored. */
    ipHash: text().notNull(),
    userAgent: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('contact_messages_status_created_idx').on(t.status, t.createdAt),
    index('contact_messages_email_created_idx').on(t.email, t.createdAt),
    check('contact_messages_name_length', sql`char_length(${t.name}) BETWEEN 1 AND 120`),
    check('contact_messages_email', sql`${t.email} = lower(${t.email}) AND char_length(${t.email}) BETWEEN 3 AND 254`),
    check('contact_messages_subject_length', sql`${t.subject} IS NULL OR char_length(${t.subject}) <= 200`),
    check('contact_messages_message_length', sql`char_length(${t.message}) BETWEEN 10 AND 5000`),
    check('contact_messages_language', sql`${t.language} IN (${oneOf(LANGUAGES)})`),
    check('contact_messages_status', sql`${t.status} IN (${oneOf(CONTACT_STATUSES)})`),
    check('contact_messages_spam_reason', sql`${t.spamReason} IS NULL OR ${t.spamReason} IN (${oneOf(CONTACT_SPAM_REASONS)})`),
    check('contact_messages_admin_note_length', sql`${t.adminNote} IS NULL OR char_length(${t.adminNote}) <= 2000`),
    check('contact_messages_user_agent_length', sql`${t.userAgent} IS NULL OR char_length(${t.userAgent}) <= 300`),
  ],
);

export const partners = pgTable(
  'partners',
  {
    id: id(),
    name: text().notNull(),
    nameAr: text().notNull(),
    logoUrl: text().notNull(),
    websiteUrl: text(),
    color: text().notNull().default('6B46C1'),
    displayOrder: integer().notNull().default(0),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('partners_display_order_idx').on(t.displayOrder, t.name),
    check('partners_name_length', sql`char_length(${t.name}) BETWEEN 1 AND 200 AND char_length(${t.nameAr}) BETWEEN 1 AND 200`),
    check('partners_color_format', sql`${t.color} ~ '^[0-9A-Fa-f]{6}$'`),
    check('partners_website_https', sql`${t.websiteUrl} IS NULL OR ${t.websiteUrl} LIKE 'https://%'`),
  ],
);

export const socialLinks = pgTable(
  'social_links',
  {
    id: id(),
    platform: text().notNull(),
    url: text().notNull(),
    icon: text().notNull(),
    hoverColor: text().notNull().default('hover:bg-orange-500 hover:border-orange-500'),
    displayOrder: integer().notNull().default(0),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('social_links_display_order_idx').on(t.displayOrder, t.platform),
    check('social_links_platform_length', sql`char_length(${t.platform}) BETWEEN 1 AND 50`),
    check('social_links_url_https', sql`${t.url} LIKE 'https://%' AND char_length(${t.url}) <= 2000`),
    check('social_links_icon_format', sql`${t.icon} ~ '^[A-Za-z0-9]{1,50}$'`),
    check('social_links_hover_color_format', sql`${t.hoverColor} ~ '^[a-z0-9:/\\[\\]#\\- ]{0,100}$'`),
  ],
);

export const REQUEST_LOG_RUNTIMES = ['workers', 'node'] as const;
export const REQUEST_LOG_KEPT_BY = ['error', 'slow', 'sample'] as const;

/** One row per kept request (SPEC-WAVE2 §15): no bodies, no headers but the user agent, no raw IP. */
export const apiRequestLogs = pgTable(
  'api_request_logs',
  {
    id: id(),
    createdAt: createdAt(),
    requestId: text().notNull(),
    method: text().notNull(),
    route: text().notNull(),
    path: text().notNull(),
    queryKeys: text().array().notNull().default(sql`'{}'::text[]`),
    query: jsonb().$type<Record<string, string>>(),
    status: integer().notNull(),
    errorCode: text(),
    durationMs: integer().notNull(),
    /** No foreign key: logs outlive users and must never block a user's deletion. */
    userId: uuid(),
    ipHash: text(),
    userAgent: text(),
    requestBytes: integer(),
    responseBytes: integer(),
    runtime: text().$type<(typeof REQUEST_LOG_RUNTIMES)[number]>().notNull(),
    keptBy: text().$type<(typeof REQUEST_LOG_KEPT_BY)[number]>().notNull(),
  },
  (t) => [
    index('api_request_logs_created_at_idx').on(t.createdAt),
    index('api_request_logs_user_created_idx').on(t.userId, t.createdAt),
    index('api_request_logs_status_created_idx').on(t.status, t.createdAt),
    index('api_request_logs_route_created_idx').on(t.route, t.createdAt),
    index('api_request_logs_request_id_idx').on(t.requestId),
    check('api_request_logs_runtime', sql`${t.runtime} IN (${oneOf(REQUEST_LOG_RUNTIMES)})`),
    check('api_request_logs_kept_by', sql`${t.keptBy} IN (${oneOf(REQUEST_LOG_KEPT_BY)})`),
    check('api_request_logs_path_length', sql`char_length(${t.path}) <= 500`),
    check('api_request_logs_user_agent_length', sql`${t.userAgent} IS NULL OR char_length(${t.userAgent}) <= 300`),
  ],
);

// ─── Grounded reports (issue 15) ─────────────────────────────────────────────

/** Known competitors, curated by admins; the research step and the market prompt get the matching ones. */
export const competitors = pgTable(
  'competitors',
  {
    id: id(),
    name: text().notNull(),
    /** ISO 3166-1 alpha-2, upper case; null = regional / global. */
    country: text(),
    industries: text().array().notNull().default(sql`'{}'::text[]`),
    description: text(),
    websiteUrl: text(),
    androidUrl: text(),
    iosUrl: text(),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('competitors_name_country_unique').on(sql`lower(${t.name})`, sql`coalesce(${t.country}, '')`),
    index('competitors_country_idx').on(t.country).where(sql`${t.isActive}`),
    check('competitors_name_length', sql`char_length(${t.name}) BETWEEN 1 AND 200`),
    check('competitors_country_format', sql`${t.country} IS NULL OR ${t.country} ~ '^[A-Z]{2}$'`),
  ],
);

/** Forced regenerations of an analysis: who, when, which sections, with what feedback. */
export const analysisRegenerations = pgTable(
  'analysis_regenerations',
  {
    id: id(),
    analysisId: uuid()
      .notNull()
      .references(() => analyses.id, { onDelete: 'cascade' }),
    userId: uuid().references(() => users.id, { onDelete: 'set null' }),
    sections: text().array().notNull(),
    feedback: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index('analysis_regenerations_analysis_created_idx').on(t.analysisId, t.createdAt),
    check('analysis_regenerations_feedback_length', sql`${t.feedback} IS NULL OR char_length(${t.feedback}) <= 2000`),
  ],
);

/** What one research step found: queries, result URLs and titles, cited text. */
export const analysisResearch = pgTable(
  'analysis_research',
  {
    id: id(),
    analysisId: uuid()
      .notNull()
      .references(() => analyses.id, { onDelete: 'cascade' }),
    status: text().notNull(),
    errorCode: text(),
    queries: jsonb().$type<string[]>().notNull().default([]),
    results: jsonb().$type<{ url: string; title: string; page_age: string | null }[]>().notNull().default([]),
    citations: jsonb().$type<{ url: string; title: string | null; cited_text: string; text: string }[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    index('analysis_research_analysis_created_idx').on(t.analysisId, t.createdAt),
    check('analysis_research_status', sql`${t.status} IN ('researched', 'failed')`),
  ],
);

// ─── Currencies and the NGO programme (SPEC-WAVE2 §12, §13; migration 0004) ───────────────────────

/**
 * Currencies users pay in. USD is canonical (every price and rule is in USD); a rate is units of the
 * currency per 1 USD, exact (numeric(20,6)). One default at most: a DEFERRABLE exclusion constraint
 * (written in the migration, drizzle cannot express it), so `SET is_default = (id = $1)` moves it in one statement.
 */
export const currencies = pgTable(
  'currencies',
  {
    id: id(),
    code: text().notNull(),
    name: text().notNull(),
    nameAr: text(),
    symbol: text().notNull(),
    decimals: smallint().notNull(),
    ratePerUsd: numeric({ precision: 20, scale: 6 }).notNull(),
    roundingIncrementMinor: integer().notNull().default(1),
    rateMaxAgeHours: integer(),
    rateUpdatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    rateUpdatedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    isActive: boolean().notNull().default(true),
    isDefault: boolean().notNull().default(false),
    sortOrder: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('currencies_code_unique').on(t.code),
    check('currencies_code_format', sql`${t.code} ~ '^[A-Z]{3}$'`),
    check('currencies_decimals_range', sql`${t.decimals} BETWEEN 0 AND 4`),
    check('currencies_rate_range', sql`${t.ratePerUsd} > 0 AND ${t.ratePerUsd} <= 1000000000000`),
    check('currencies_increment_range', sql`${t.roundingIncrementMinor} BETWEEN 1 AND 1000000`),
    check('currencies_usd_fixed', sql`${t.code} <> 'USD' OR (${t.ratePerUsd} = 1 AND ${t.decimals} = 2 AND ${t.roundingIncrementMinor} = 1 AND ${t.isActive})`),
    check('currencies_default_active', sql`NOT ${t.isDefault} OR ${t.isActive}`),
  ],
);

export const NGO_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'suspended'] as const;
export const NGO_ORGANIZATION_TYPES = ['charity', 'nonprofit', 'foundation', 'social_enterprise', 'other'] as const;
export const VOUCHER_FUNDINGS = ['self', 'sponsored'] as const;

/** The NGO application and, once approved, the organisation (one user account per NGO). */
export const ngoRequests = pgTable(
  'ngo_requests',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    organizationName: text().notNull(),
    organizationType: text().$type<(typeof NGO_ORGANIZATION_TYPES)[number]>().notNull(),
    contactName: text().notNull(),
    contactEmail: text().notNull(),
    contactPhone: text().notNull(),
    website: text(),
    description: text(),
    status: text().$type<(typeof NGO_REQUEST_STATUSES)[number]>().notNull().default('pending'),
    adminNotes: text(),
    reviewedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: timestamp({ withTimezone: true }),
    reviewReason: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('ngo_requests_one_live_per_user').on(t.userId).where(sql`${t.status} IN ('pending', 'approved', 'suspended')`),
    index('ngo_requests_status_created_idx').on(t.status, t.createdAt),
    index('ngo_requests_user_created_idx').on(t.userId, t.createdAt),
    check('ngo_requests_status', sql`${t.status} IN (${oneOf(NGO_REQUEST_STATUSES)})`),
    check('ngo_requests_type', sql`${t.organizationType} IN (${oneOf(NGO_ORGANIZATION_TYPES)})`),
    check('ngo_requests_contact_email_lower', sql`${t.contactEmail} = lower(${t.contactEmail})`),
  ],
);

export const ngoVouchers = pgTable(
  'ngo_vouchers',
  {
    id: id(),
    ngoRequestId: uuid()
      .notNull()
      .references(() => ngoRequests.id, { onDelete: 'restrict' }),
    code: text().notNull(),
    name: text().notNull(),
    description: text(),
    activationStart: date({ mode: 'string' }),
    activationEnd: date({ mode: 'string' }),
    maxRedemptions: integer(),
    redeemedCount: integer().notNull().default(0),
    funding: text().$type<(typeof VOUCHER_FUNDINGS)[number]>().notNull().default('self'),
    isActive: boolean().notNull().default(true),
    /** An admin's emergency stop (SPEC-WAVE2 §0.1): the NGO cannot clear it. */
    adminDisabled: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('ngo_vouchers_code_unique').on(t.code),
    index('ngo_vouchers_request_created_idx').on(t.ngoRequestId, t.createdAt),
    check('ngo_vouchers_code_format', sql`${t.code} ~ '^[A-Z0-9_-]{3,40}$'`),
    check('ngo_vouchers_redeemed_within_max', sql`${t.redeemedCount} >= 0 AND (${t.maxRedemptions} IS NULL OR ${t.redeemedCount} <= ${t.maxRedemptions})`),
    check('ngo_vouchers_sponsored_capped', sql`${t.funding} <> 'sponsored' OR ${t.maxRedemptions} IS NOT NULL`),
  ],
);

export const ngoVoucherRedemptions = pgTable(
  'ngo_voucher_redemptions',
  {
    id: id(),
    voucherId: uuid()
      .notNull()
      .references(() => ngoVouchers.id, { onDelete: 'restrict' }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    analysisId: uuid()
      .notNull()
      .references(() => analyses.id, { onDelete: 'restrict' }),
    status: text().$type<'linked' | 'unlinked'>().notNull().default('linked'),
    unlinkedBy: text().$type<'ngo' | 'owner' | 'admin'>(),
    unlinkedAt: timestamp({ withTimezone: true }),
    /** NULL only for links imported from the Flask app (SPEC-WAVE2 §0.1): contact data stays hidden until consent. */
    consentedAt: timestamp({ withTimezone: true }),
    sponsored: boolean().notNull().default(false),
    chargeTransactionId: uuid().references(() => transactions.id, { onDelete: 'restrict' }),
    isFavourite: boolean().notNull().default(false),
    isArchived: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('ngo_voucher_redemptions_analysis_unique').on(t.analysisId),
    uniqueIndex('ngo_voucher_redemptions_voucher_user_unique').on(t.voucherId, t.userId),
    index('ngo_voucher_redemptions_voucher_created_idx').on(t.voucherId, t.createdAt),
    index('ngo_voucher_redemptions_user_idx').on(t.userId),
  ],
);

// ─── Importing the Flask database (SPEC-WAVE2 §16, migration 0005) ───────────

export const importRuns = pgTable(
  'import_runs',
  {
    id: id(),
    mode: text().$type<'dry_run' | 'apply'>().notNull(),
    status: text().$type<'running' | 'succeeded' | 'failed' | 'refused'>().notNull(),
    /** host, port and database name of the source; never credentials. */
    sourceFingerprint: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
    report: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('import_runs_one_running').on(t.status).where(sql`${t.status} = 'running'`),
    check('import_runs_mode', sql`${t.mode} IN ('dry_run', 'apply')`),
    check('import_runs_status', sql`${t.status} IN ('running', 'succeeded', 'failed', 'refused')`),
  ],
);

/** Which source row became which target row: a re-run skips every source row found here. */
export const importMap = pgTable(
  'import_map',
  {
    sourceTable: text().notNull(),
    sourceId: text().notNull(),
    targetTable: text().notNull(),
    targetId: uuid().notNull(),
    runId: uuid()
      .notNull()
      .references(() => importRuns.id, { onDelete: 'restrict' }),
    importedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceTable, t.sourceId] }), index('import_map_target_idx').on(t.targetTable, t.targetId)],
);

/** Source data with no place in this schema; readable only through SQL. */
export const importArchive = pgTable(
  'import_archive',
  {
    sourceTable: text().notNull(),
    sourceId: text().notNull(),
    reason: text().notNull(),
    payload: jsonb().notNull(),
    runId: uuid()
      .notNull()
      .references(() => importRuns.id, { onDelete: 'restrict' }),
    archivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sourceTable, t.sourceId, t.reason] })],
);

/** Upstream's credit history, kept for display. NOT part of the ledger: it changes no balance. */
export const legacyTransactions = pgTable(
  'legacy_transactions',
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text().notNull(),
    credits: integer().notNull(),
    amountUsd: usd(),
    description: text(),
    referenceId: text(),
    status: text(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index('legacy_transactions_user_created_idx').on(t.userId, t.createdAt)],
);

// ─── Email (SPEC-WAVE2 §11, migration 0006) ──────────────────────────────────

export const EMAIL_CODE_PURPOSES = ['verify_email', 'reset_password'] as const;
export type EmailCodePurpose = (typeof EMAIL_CODE_PURPOSES)[number];
export const EMAIL_OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type EmailOutboxStatus = (typeof EMAIL_OUTBOX_STATUSES)[number];

/** One-time codes: only their HMAC is stored; one live code per (user, purpose). */
export const emailCodes = pgTable(
  'email_codes',
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text().$type<EmailCodePurpose>().notNull(),
    codeHash: text().notNull(),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(5),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    consumedAt: timestamp({ withTimezone: true }),
    supersededAt: timestamp({ withTimezone: true }),
    createdIpHash: text(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('email_codes_one_live_per_purpose')
      .on(t.userId, t.purpose)
      .where(sql`${t.consumedAt} IS NULL AND ${t.supersededAt} IS NULL`),
    index('email_codes_user_created_idx').on(t.userId, t.createdAt),
    check('email_codes_purpose', sql`${t.purpose} IN (${oneOf(EMAIL_CODE_PURPOSES)})`),
    check('email_codes_attempts_range', sql`${t.attempts} >= 0 AND ${t.maxAttempts} >= 1`),
  ],
);

/** The transactional outbox: written in the batch of the event that causes the mail, drained by the dispatcher. */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: id(),
    eventKey: text().notNull(),
    templateKey: text().notNull(),
    userId: uuid().references(() => users.id, { onDelete: 'set null' }),
    toAddress: text().notNull(),
    toName: text(),
    language: text().notNull().default('en'),
    variables: jsonb().$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    secretCiphertext: text(),
    priority: smallint().notNull().default(1),
    status: text().$type<EmailOutboxStatus>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(8),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    lastError: text(),
    lastHttpStatus: integer(),
    providerMessageId: text(),
    replyTo: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    sentAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('email_outbox_event_key_unique').on(t.eventKey),
    index('email_outbox_due_idx').on(t.priority, t.nextAttemptAt).where(sql`${t.status} IN ('pending', 'sending')`),
    index('email_outbox_user_created_idx').on(t.userId, t.createdAt),
    index('email_outbox_status_created_idx').on(t.status, t.createdAt),
    index('email_outbox_template_created_idx').on(t.templateKey, t.createdAt),
    check('email_outbox_language', sql`${t.language} IN (${oneOf(LANGUAGES)})`),
    check('email_outbox_priority', sql`${t.priority} IN (0, 1, 2)`),
    check('email_outbox_status', sql`${t.status} IN (${oneOf(EMAIL_OUTBOX_STATUSES)})`),
    check('email_outbox_attempts_range', sql`${t.attempts} >= 0 AND ${t.attempts} <= ${t.maxAttempts}`),
    check('email_outbox_last_error_length', sql`char_length(${t.lastError}) <= 500`),
  ],
);
