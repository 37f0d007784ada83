/**
 * The whole data model. Invariants live here, in the database, not only in route code:
 * CHECKs for ranges and enum values, partial UNIQUE indexes that make a second booking of the
 * same business event impossible, and foreign keys with an explicit ON DELETE.
 * Column names are snake_case in SQL (drizzle `casing: 'snake_case'`, set in db/client.ts and drizzle.config.ts).
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
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
] as const;
export const AI_CALL_KINDS = ['section', 'chat', 'invoke', 'validate'] as const;

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
    /** SPEC-WAVE2 §11.6 (migration 0002): NULL until the address is proven; the signup bonus waits for it. */
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
      sql`${t.type} IN ('signup_bonus', 'adjustment') OR ${t.referenceId} IS NOT NULL`,
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
    paymentProof: text().notNull(),
    notes: text(),
    status: text().notNull().default('pending'),
    reviewedBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: timestamp({ withTimezone: true }),
    rejectionReason: text(),
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
    check('payments_review_consistent', sql`(${t.status} = 'pending') = (${t.reviewedAt} IS NULL)`),
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
  },
  (t) => [
    primaryKey({ columns: [t.analysisId, t.section] }),
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
  },
  (t) => [
    index('ai_usage_analysis_idx').on(t.analysisId),
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

// ─── Email (SPEC-WAVE2 §11, migration 0002) ──────────────────────────────────

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
