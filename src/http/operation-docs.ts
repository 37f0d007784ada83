/**
 * The prose of the API reference: what each operation does, its rules and limits, by operationId
 * (the Markdown under an operation's summary in the OpenAPI document). A route's `describe(...)` names
 * the operation; its description lives here, grouped by the file that declares the route.
 *
 * Kept out of the route files on purpose: only the document builder (openapi.ts) imports this module,
 * and the Worker does not build the document (it serves the one generated at build time, see
 * scripts/build-worker-assets.ts), so ≈ 35 KB of prose stays out of the deployed bundle (issue 10 §2).
 * test/contract/operations.test.ts fails when an operation has no description here, or when an entry
 * names no operation.
 */

const ANALYSIS_LIST =
  'Summaries (no report bodies), newest first. `q` searches the idea text (any language; `%` and `_` are literal); ' +
  '`industry` matches exactly, ignoring case.';

const PACKAGE_READS =
  'Active packages only, by `sort_order` then name. `include_inactive=true` needs `manage_settings` and is sent `Cache-Control: private, no-store`; ' +
  'otherwise the response carries a weak ETag and `Cache-Control: public, max-age=60` (a matching `If-None-Match` gets 304).';

const CURRENCY_READS =
  'Active currencies by `sort_order` then `code`. `include_inactive=true` needs `manage_settings` and is sent ' +
  '`Cache-Control: private, no-store`; otherwise a weak ETag and `Cache-Control: public, max-age=60` (304 on a match). ' +
  '`rate_per_usd` is units of the currency per 1 USD; the default currency only pre-selects in clients (payments default to USD).';

const NGO_ONLY = 'Approved NGO accounts only (others → 403 `ngo_access_required`).';

const METHOD_READS =
  'Active methods only, by `sort_order` then name. `include_inactive=true` needs `manage_payments` and is sent `Cache-Control: private, no-store`; ' +
  'otherwise the response carries a weak ETag and `Cache-Control: public, max-age=60` (a matching `If-None-Match` gets 304).';

const publicSiteRead = (what: string) =>
  `Active ${what} only, by \`display_order\` then name. Weak ETag and \`Cache-Control: public, max-age=60\` (a matching ` +
  '`If-None-Match` gets 304); admin writes invalidate the cache at once. `include_inactive=true` needs `manage_site_content` ' +
  'and is sent `Cache-Control: private, no-store`.';

export const OPERATION_DESCRIPTIONS: Record<string, string> = {
  // ── src/app.ts ──
  getOpenApiDocument: 'This document: OpenAPI 3.1, generated from the zod schemas that validate requests and shape responses. Not an envelope.',
  getDocs: 'An HTML page rendering this document as an interactive reference.',
  getDocsScript: 'The pinned Scalar bundle the docs page loads, served by the app where the package is installed (development on Node); 404 elsewhere (the page then loads the same bytes from the CDN).',

  // ── src/routes/account-email.ts ──
  verifyEmail: 'With a bearer token: `{code}` → `{user}` (verified; `credits` include the signup bonus); 409 INVALID_STATE when already ' +
    'verified. Without a token: `{email, code}` → `{verified: true}`. A wrong, expired, used or superseded code — and, ' +
    'without a token, an unknown or already verified address — is the same 400 naming `code` ' +
    '(`details.issues[0].code = "invalid_or_expired"`). Every wrong code costs an attempt (5 per code, 10 failed checks per ' +
    'account per 24 h).',
  resendVerification: 'With a bearer token: `{}` → `{sent: true, retry_after_s}`; 409 when already verified; 429 past 1 per 60 s or 5 per day. ' +
    'Without a token: `{email}` → `{sent: true}` always (also for unknown, verified or limited addresses); 429 only past ' +
    '20 requests per IP per hour. A new code supersedes the previous one.',
  requestPasswordReset: 'The same `200 {sent: true}` and the same work whether or not the address has an (active) account; a code is mailed only ' +
    'to an existing, active user. 20 requests per IP per hour → 429; past 5 per address per hour nothing is mailed (still 200).',
  verifyPasswordResetCode: 'A wrong code costs an attempt. 30 failed checks per IP per 15 minutes → 429.',
  resetPassword: '`new_password` is checked first (400 naming it, no attempt spent). Then one batch uses the code, replaces the password, ' +
    'verifies the address (granting a due signup bonus), revokes EVERY session and mails `password_changed`. No token is ' +
    'returned: sign in again.',

  // ── src/routes/activity-feed.ts ──
  listActivity: 'The signed-in user\'s own events (sign-ins, payments, reports, referrals …), newest first.',

  // ── src/routes/ai-analyses.ts ──
  listRegenerations: 'Every `force: true` run of generate-analysis, newest first: who asked, when, which sections and the feedback it carried ' +
    '(issue 15 §3). The owner, or `view_analyses`.',
  upgradeAnalysis: "Charges `premium_report_cost` once (the owner's non-deleted free analysis, whatever its status); a completed report " +
    'goes back to `pending` until its premium sections are generated. Already premium → 409; AI not configured → 503, nothing charged.',
  validateIdea: 'Local checks (length, repetition, gibberish, letters in Latin or Arabic script) always; then, when they pass and AI is ' +
    'configured, an AI opinion (30 per user per hour). Without it the answer is the local verdict with `ai_checked: false` ' +
    'and `ai_error` saying why.',

  // ── src/routes/ai-chat.ts ──
  chat: "Persisted in the caller's conversation (a new one when `conversation_id` is absent). Context: the caller's own premium " +
    'report (a free report → 409), trimmed to a token budget, and the previous 20 messages. Limited by `chat_daily_limit` per user per UTC day. ' +
    'About a report, the assistant may propose a rewrite: `proposal` is then the body to send to generate-analysis if the founder accepts.',

  // ── src/routes/ai-generate.ts ──
  generateAnalysis: "Generates the tier's missing sections (or `sections`), concurrently, each stored as soon as it is valid. " +
    'A premium report without an unrefunded charge is charged `premium_report_cost`; a run that ends with no premium-only ' +
    'section completed is refunded; retries of failed sections of a paid report are free. `force: true` regenerates ' +
    'completed sections too (at most 3 forced runs per analysis). 10 runs per user per hour. 409 while a requested section is processing.',

  // ── src/routes/ai-invoke.ts ──
  invokeLlm: '`max_tokens` at most 4096 (default 1024). 20 calls per user per hour. Upstream failures → 502 after bounded retries.',

  // ── src/routes/ai-usage.ts ──
  getAiUsage: 'Every model call (report sections, research with web search, chat, invoke-llm, validate-idea) with its tokens, web searches ' +
    'and cost at the configured prices (AI_PRICES; exact integer arithmetic in nano-USD). Filters: from, to, model, kind.',

  // ── src/routes/analyses.ts ──
  createAnalysis: 'Starts `pending` and `free`, with a pending slot for each free section (overview, market).',
  listAnalyses: ANALYSIS_LIST,
  listAllAnalyses: `${ANALYSIS_LIST} \`user_id\` narrows to one owner.`,
  getAnalysis: "The owner's, or anyone's with `view_analyses`; otherwise 404. A section still `processing` past AI_SECTION_TIMEOUT_S " +
    'is settled by this read (failed, refund rule applied, owner notified) before the answer.',
  updateAnalysis: 'Idea fields only while no generation has started (`pending`); `user_rating` (1..5) and `user_feedback` (≤ 2000) ' +
    'only once `completed` — otherwise 409 INVALID_STATE. Server-owned fields (status, report_type, report, scores, …) are a 400.',
  deleteAnalysis: "The owner's own, or anyone's with `manage_analyses`. Its share links stop working at once.",

  // ── src/routes/audit-logs.ts ──
  listAuditLogs: 'Filters: actor_id, action, entity_type, entity_id, from (inclusive), to (exclusive). No write route exists.',

  // ── src/routes/auth.ts ──
  register: 'New users get `signup_bonus_credits`. An unknown `referral_code` is a 400 naming it; nothing is created. Every attempt ' +
    'counts towards RATE_LIMIT_REGISTER_PER_IP per hour, also one whose body is refused (past the limit: 429 whatever is sent).',
  login: 'Unknown email and wrong password give the same 401. A deactivated account with the right password is a 403. ' +
    'Only failed sign-ins count: RATE_LIMIT_LOGIN_PER_EMAIL per email and RATE_LIMIT_LOGIN_PER_IP per client IP per ' +
    '15 minutes, then 429 with Retry-After. A right password is never refused because of other right ones.',
  getMe: 'The signed-in user with their role, permissions and credit balance.',
  updateMe: 'Changes only the fields sent (at least one). `notification_preferences` is `{<type>: boolean}` (a missing key means on); `profile_image` is an https URL or an image data URL of at most 512 KiB.',
  changePassword: 'The presented token keeps working; every other token of the user is revoked. Wrong current passwords are limited ' +
    'like failed sign-ins: RATE_LIMIT_LOGIN_PER_EMAIL per user per 15 minutes, then 429 with Retry-After.',
  logout: 'Signs out this session: the presented token stops working at once; other sessions stay signed in. Answers the revoked token id.',

  // ── src/routes/chat-conversations.ts ──
  listConversations: 'Without their messages; fetch one conversation to read them.',
  createConversation: "`analysis_id` must be one of your own analyses (someone else's → 404).",
  getConversation: 'One of the signed-in user\'s conversations with its messages, oldest first; another user\'s is a 404.',
  updateConversation: 'Only `title`; messages are written by POST /api/ai/chat.',
  deleteConversation: 'Deletes one of the signed-in user\'s conversations and its messages; another user\'s is a 404.',

  // ── src/routes/competitors.ts ──
  listCompetitors: 'Filters: `country` (ISO code), `industry` (exact, case-insensitive), `is_active`, `q` (name contains). Sort also by `name`.',
  createCompetitor: 'A new catalog entry (`manage_settings`). Name and country are unique ignoring case (409).',
  importCompetitors: 'All or nothing: every row is validated first (a bad row is a 400 naming `rows.<n>.<field>`, n counting data rows from 1); ' +
    'then one statement inserts the new entries and updates those with the same name and country (case-insensitive).',
  getCompetitor: 'One catalog entry (`view_settings`).',
  updateCompetitor: 'Changes a catalog entry (`manage_settings`); name and country stay unique ignoring case (409).',
  deleteCompetitor: 'Removes a catalog entry (`manage_settings`).',

  // ── src/routes/contact.ts ──
  sendContactMessage: 'No sign-in needed (a valid token records the sender). Answers `200 {received: true}`; the message is stored, not returned. ' +
    'Limits: 5 per client IP, 3 per email and 200 in total per hour → 429 with `Retry-After`. `website` is a honeypot and must stay ' +
    'empty. When the server has a Turnstile secret, `turnstile_token` is required and verified (400 naming it). Spam and repeats ' +
    'of the same message within 24 h get the same answer. No automatic reply is sent.',
  listContactMessages: 'Newest first. Filters: `status`, `q` (name, email, subject, message; case-insensitive), `from`/`to` on created_at. ' +
    '`meta.new_count` counts messages in status `new`, whatever the filters.',
  getContactMessage: 'One message of the inbox (`view_contact_messages`).',
  updateContactMessage: 'Allowed moves: new→read|replied|archived|spam, read→replied|archived|spam, replied→archived, archived→read, spam→read ' +
    '(anything else → 409 INVALID_STATE). Sets `handled_by`/`handled_at`; audited.',
  deleteContactMessage: 'Hard delete. The audit entry records who erased which id and when, not the content.',

  // ── src/routes/credit-packages.ts ──
  listCreditPackages: PACKAGE_READS +
    ' With `currency=XXX` (an active currency code) each package gains `price_in_currency` {code, symbol, decimals, amount, ' +
    'amount_minor, rate_per_usd}: the USD price converted half-up to the currency\'s cash step (unknown or inactive → 400 naming `currency`).',
  getCreditPackage: PACKAGE_READS,
  createCreditPackage: 'A new package in the catalog; visible to buyers once active. Names are unique.',
  updateCreditPackage: 'Changes only the fields sent. The public catalog shows the change at once in this process and everywhere within 60 seconds.',
  deleteCreditPackage: 'A package used by payments is deactivated instead (`deactivated: true`).',

  // ── src/routes/currencies.ts ──
  listCurrencies: CURRENCY_READS,
  getCurrency: CURRENCY_READS,
  createCurrency: '`rate_per_usd`: a JSON number or decimal string, ≤ 6 decimals and ≤ 15 significant digits, > 0 and ≤ 10^12. ' +
    '`is_default: true` moves the default flag here in the same batch. Audited.',
  updateCurrency: '`is_default: true` moves the flag in one statement (concurrent moves all succeed; the last wins); clearing the ' +
    'only default or deactivating the default → 400. USD\'s code, rate, decimals, rounding step and active state are ' +
    'fixed (400 naming the field). A rate change sets `rate_updated_at` / `rate_updated_by`. A code used by payments ' +
    'cannot change (409). Audited with before/after.',
  deleteCurrency: 'Unused → deleted (`deactivated: false`); used by payments → deactivated (`deactivated: true`). USD or the default → 409.',

  // ── src/routes/discount-codes.ts ──
  validateDiscountCode: 'Unknown code or unknown/inactive package → 404. Inactive, expired, not yet valid, exhausted, per-user limit reached ' +
    'or below `min_purchase_amount` → 400 naming `code` with `details.reason`.',
  listDiscountCodes: 'Every discount code, active or not; `q` searches part of the code, `is_active` filters.',
  getDiscountCode: 'A discount code with its limits and how often it was used.',
  listDiscountCodeUsage: 'Redemptions, newest first: `reserved` (payment pending), `confirmed` (approved), `released` (rejected).',
  createDiscountCode: 'Exactly one of `discount_percent` (1..100) or `discount_amount` (> 0). A code that exists (any case) → 409.',
  updateDiscountCode: 'Giving one kind of discount switches the code to it. `max_uses` below the uses so far → 400.',
  deleteDiscountCode: 'A code that has been used is deactivated instead (`deactivated: true`).',

  // ── src/routes/email-outbox.ts ──
  listOutboxEmails: 'Filters: `status`, `template_key`, `user_id`, `to_address`, `from`/`to` (created_at). Secret values are never shown.',
  getOutboxStats: 'How many emails are pending, sending, sent, failed and cancelled (`view_email_outbox`).',
  getOutboxEmail: 'Rendered from the current template; secret values (one-time codes) appear as `[hidden]`.',
  retryFailedEmails: 'Rows whose mail carried a secret (a one-time code) are skipped: their users must ask for a new code. Audited.',
  retryOutboxEmail: 'The row goes back to `pending` with `attempts = 0` and `next_attempt_at = now`. 409 INVALID_STATE unless it is `failed` or ' +
    '`cancelled`; 409 with `details.reason = "secret_discarded"` for a mail that carried a one-time code. Audited.',
  cancelOutboxEmail: '409 INVALID_STATE unless the row is `pending`. The secret (if any) is discarded. Audited.',
  sendUserPasswordReset: 'The admin never sees the code. Shares the per-user account-mail limit (1 per 60 s, 5 per day): past it nothing is ' +
    'sent and the answer is still `{sent: true}`. Audited.',
  verifyUserEmail: 'Books a due signup bonus (exactly once) and tells a referrer, like a verification by code. Audited.',
  testSendEmailTemplate: 'Always to the caller\'s own verified address (never any other), 10 per hour. Every variable the template declares must ' +
    'have a value (400 naming `variables` with the missing names). Secret variables are shown as a sample.',

  // ── src/routes/email-templates.ts ──
  listEmailTemplates: 'Every template, active or not; `is_active` filters.',
  getEmailTemplate: 'One template with its English and Arabic subjects and bodies.',
  createEmailTemplate: 'A template with a unique `template_key`, subjects and bodies in English and Arabic, and `{{var}}` placeholders.',
  updateEmailTemplate: '`template_key` cannot change (the product looks templates up by it). A product template may use only the ' +
    'placeholders it declares (`variables`, plus app_name, app_url, support_email): 400 naming the field with the unknown ' +
    'names. No template may reference a secret variable (`code`), and every link must start with APP_URL.',
  deleteEmailTemplate: 'Templates the product sends (`is_product`: every key of the email registry, SPEC-WAVE2 §11.3) ' +
    'cannot be deleted → 409 CONFLICT; deactivate them instead.',
  previewEmailTemplate: 'Every value is HTML-escaped. A placeholder without a value is left visible and listed in `errors`.',

  // ── src/routes/landing-stats.ts ──
  getLandingStats: '`users_count`: active users with a verified email; `reports_count`: completed, non-deleted analyses; ' +
    '`syrian_apps_count`: the setting. Cached 300 s; weak ETag and `Cache-Control: public, max-age=300` ' +
    '(a matching `If-None-Match` gets 304). 503 when the database is unavailable — never made-up numbers.',

  // ── src/routes/ngo.ts ──
  createNgoRequest: 'One live (pending, approved or suspended) application per user: another → 409. Reviewers are alerted in-app.',
  getMyNgoRequest: '`{request, status}`, both null when the caller never applied. Admin notes are never shown.',
  listNgoRequests: 'Filter by `status`; `q` searches the organisation, contact name/email and the applicant email.',
  getNgoRequest: 'One application with its applicant (`view_ngo_requests`).',
  listNgoRequestVouchers: 'The vouchers of the NGO behind an application (`view_ngo_requests`).',
  approveNgoRequest: 'From pending or suspended (else 409 INVALID_STATE). Status, notification and audit entry in one batch.',
  rejectNgoRequest: 'From pending only (else 409). Final for that application; the user may apply again.',
  suspendNgoRequest: 'From approved only (else 409). A suspended NGO reads no reports and its codes fail with `inactive`.',
  updateNgoRequest: 'Changes only `admin_notes` (`manage_ngo_requests`); the status moves through approve, reject and suspend.',
  disableVoucher: 'Sets `admin_disabled`, which the NGO cannot clear; the voucher state becomes `inactive`.',
  enableVoucher: 'Clears `admin_disabled` (`manage_ngo_requests`); the NGO\'s own activation is unchanged.',
  getNgoStats: `${NGO_ONLY} \`sponsored_credits_spent\` is the ledger sum of the NGO's sponsored charges minus their refunds.`,
  listMyVouchers: `${NGO_ONLY} Filter by derived \`state\`.`,
  createVoucher: `${NGO_ONLY} The code is generated: \`<organisation prefix>-<8 Crockford base32 characters>\` (40 random bits). ` +
    '`funding: sponsored` charges the NGO account for each free report redeemed and needs `max_redemptions`.',
  getMyVoucher: NGO_ONLY,
  updateMyVoucher: `${NGO_ONLY} \`max_redemptions\` ≥ \`redeemed_count\`; \`funding\` only while never redeemed (409 INVALID_STATE); ` +
    'switching to sponsored issues a fresh code.',
  deleteMyVoucher: `${NGO_ONLY} Never redeemed → deleted; otherwise deactivated (\`deactivated: true\`).`,
  listVoucherAnalyses: `${NGO_ONLY} Linked, non-deleted reports; archived ones only with \`include_archived=true\`. Contact data only with consent.`,
  getNgoAnalysis: `${NGO_ONLY} The public-share view of the report, the beneficiary (with consent) and the NGO's flags.`,
  setNgoAnalysisFavourite: NGO_ONLY,
  setNgoAnalysisArchived: NGO_ONLY,
  unlinkNgoAnalysis: `${NGO_ONLY} Access ends at once; no refund; the voucher slot is not returned; later charges of a sponsored report go to its owner. Already unlinked → 409.`,

  // ── src/routes/notifications.ts ──
  listNotifications: '`meta.unread_count` counts all unread notifications of the listed user. ' +
    '`user_id` of another user needs `view_notifications` (else 403).',
  markAllNotificationsRead: 'Marks every unread notification of the signed-in user read; answers how many changed.',
  markNotificationRead: 'Marks one of the signed-in user\'s notifications read (again is harmless); another user\'s is a 404.',
  deleteNotification: 'Deletes one of the signed-in user\'s notifications; another user\'s is a 404.',
  createNotification: 'Exactly one of `user_id` (→ 201 the notification) or `broadcast: true` (→ 201 `{count}`: every active user ' +
    'who has not turned the type off, in one statement). Audited.',

  // ── src/routes/payment-methods.ts ──
  listPaymentMethods: METHOD_READS,
  getPaymentMethod: METHOD_READS,
  createPaymentMethod: 'A new way to pay, with its instructions in English and Arabic; visible to buyers once active.',
  updatePaymentMethod: 'Changes only the fields sent. The public catalog shows the change at once in this process and everywhere within 60 seconds.',
  deletePaymentMethod: 'A method used by payments is deactivated instead (`deactivated: true`).',

  // ── src/routes/payments.ts ──
  createPayment: 'The server prices it from `package_id`, `quantity` and the optional `discount_code`; amounts, credits and status ' +
    'in the body are refused. A discount use is reserved atomically (max uses and per-user limit hold under concurrency). ' +
    'Unknown or inactive package / method, or an unusable code → 400 naming the field (`details.reason` for the code). ' +
    'SPEC-WAVE2 §12: `currency_code` (default USD) prices it in that currency in the same statement, recording the rate, ' +
    'its timestamp and the minor amount (unknown/inactive → 400 naming `currency_code`; stale rate → 409 `rate_stale`); ' +
    '`expected_amount` different from the server amount → 400 naming it, `details.reason = price_changed`, `details.quote`. ' +
    'At most 5 pending payments per user: a 6th → 409 `details.reason = too_many_pending`. Unknown discount codes count ' +
    'failed lookups (10 per user, 30 per IP per hour, shared with validate and quote), then 429.',
  quotePayment: 'What `POST /payments` would charge now: credits, list price, discount and amount in USD, and the amount in ' +
    '`currency_code` (default USD) converted once after the discount, half-up to the currency\'s cash step. Reserves ' +
    'nothing. Refusals as `POST /payments`; a stale rate → 409 INVALID_STATE `rate_stale`.',
  listPayments: 'Own payments; with `view_payments` everyone’s, filterable by `user_id` (403 without it for another user).',
  getPaymentStats: '`by_day` covers the last `days` days (UTC), all statuses, zero-filled.',
  getPayment: "The owner's, or anyone's with `view_payments`; another user's payment is a 404.",
  approvePayment: 'Exactly once: books the purchase, notifies the owner, writes the audit log (one atomic batch), and pays the ' +
    "owner's referrer if the referral reward is now due. A payment that is not pending → 409 INVALID_STATE. Nobody " +
    'approves their own payment (403, a super admin included).',
  rejectPayment: 'Exactly once; releases the reserved discount use and notifies the owner with the reason.',

  // ── src/routes/referrals.ts ──
  applyReferralCode: 'Once per user, before their first premium report completes. Unknown code → 404; own code, a second apply, ' +
    'a cycle, or too late → 409 CONFLICT (`details.reason`).',
  listReferrals: 'The caller’s referrals (as referrer). With `view_users`: everyone’s, or one referrer’s with `user_id` ' +
    '(another user’s without it → 403). `meta` totals cover the whole scope and come from the ledger.',

  // ── src/routes/report-shares.ts ──
  createReportShare: 'Only for your own completed analysis (another user\'s → 404; not completed → 409 INVALID_STATE). ' +
    'The token is returned once; only its SHA-256 is stored.',
  listReportShares: 'With their view counts. Links of deleted analyses are left out (they no longer open).',
  getSharedReport: "A sanitized view: the idea, industry, location, language, tier and the tier's completed sections. " +
    'No ids, owner, rating, feedback or errors. Unknown, revoked or expired links and deleted analyses → 404. ' +
    'Each GET is counted as a view; the owner is notified at most once an hour per link. HEAD answers the same status ' +
    'without counting. A deactivated owner\'s links answer 404 until the account is reactivated.',
  updateReportShare: '`expires_at` must be in the future (or null for never).',
  deleteReportShare: 'The link stops working at once.',

  // ── src/routes/request-logs.ts ──
  listRequestLogs: 'Newest first (sort `created_at` or `duration_ms`). Filters: `method`, `route` (exact pattern), `path` (prefix), `status`, ' +
    '`status_class` (2xx…5xx), `error_code`, `user_id`, `user_email` (resolved to the account; none → an empty page), `request_id`, ' +
    '`ip` (compared through its HMAC), `from`/`to` on created_at, `min_duration_ms`. Rows never hold bodies, headers other than ' +
    'the user agent, query values outside a short allow-list, path tokens or raw IPs.',
  getRequestLog: 'One recorded request with its user (`view_request_logs`).',

  // ── src/routes/roles.ts ──
  listRoles: 'The built-in roles (`user`, `admin`, `super_admin`) and the custom ones, with their permissions.',
  getRole: 'A role with its permissions.',
  createRole: 'Unknown permission names → 400; a permission you lack → 403; a taken name → 409.',
  updateRole: 'Every permission in the new set must be one you hold (403). Built-in roles cannot be changed.',
  deleteRole: 'A role assigned to any user → 409 CONFLICT. Built-in roles cannot be deleted.',

  // ── src/routes/settings.ts ──
  listSystemSettings: 'Every known key, in key order, with its current value (the default when never set).',
  getSystemSetting: 'A setting with its type, bounds and whether it is public.',
  updateSystemSetting: 'Body `{value}`, validated for the key (400 naming `value`); an unknown key is a 404. Audited.',
  getPublicSettings: 'An object `{key: value}` of the public keys only. Weak ETag, `Cache-Control: public, max-age=60`; a matching ' +
    '`If-None-Match` gets 304.',

  // ── src/routes/site-content.ts ──
  listPartners: publicSiteRead('partners'),
  createPartner: 'A new partner shown on the public site (`manage_site_content`).',
  updatePartner: 'Changes a partner (`manage_site_content`).',
  deletePartner: 'Removes a partner (`manage_site_content`).',
  listSocialLinks: publicSiteRead('social links'),
  createSocialLink: 'A new social link shown on the public site (`manage_site_content`).',
  updateSocialLink: 'Changes a social link (`manage_site_content`).',
  deleteSocialLink: 'Removes a social link (`manage_site_content`).',

  // ── src/routes/system.ts ──
  getApiIndex: 'The API name, its version and links to the interactive reference, the OpenAPI document and the health check.',
  getHealth: 'One real database round trip, timed. 503 SERVICE_UNAVAILABLE (with the same facts in `details`) when the database is down.',

  // ── src/routes/transactions.ts ──
  listTransactions: 'Own entries, newest first. `user_id` of another user needs `view_credits` (403 otherwise).',
  listLegacyTransactions: 'Upstream history kept for display (SPEC-WAVE2 §16.1); it is NOT part of the ledger and changes no balance. ' +
    'Own rows, newest first. `user_id` of another user needs `view_credits` (403 otherwise).',

  // ── src/routes/users.ts ──
  listUsers: 'Users as administrators see them (without profile images); `q` searches email and names, `role` and `is_active` filter.',
  getUser: 'A user as administrators see them, with `referred_by`.',
  updateUser: 'Never the balance (use adjust-credits). `role` is a role name; assigning a role whose permissions you lack, or ' +
    'assigning / changing a super_admin without being one, is a 403; so is changing the role or active state of a user ' +
    'who holds a permission you lack. `is_active: false` revokes every session of the user.',
  adjustCredits: 'A debit that would take the balance below zero is a 409 INVALID_STATE; nothing is booked. Nobody adjusts their own ' +
    'balance (403, a super admin included).',

  // ── src/routes/voucher-redemptions.ts ──
  redeemVoucher: '`ngo_consent: true` is required: the beneficiary agrees to show the NGO their name, email, phone and this report; the ' +
    'profile needs `full_name` and `phone_number` (400 `profile_incomplete`). Unknown code → 404 (10 failed lookups per user ' +
    'and 30 per IP per hour, then 429). A voucher not active → 400 naming `code` (`inactive`, `not_started`, `expired`, ' +
    '`exhausted`). Already linked, already redeemed by you, or your own NGO → 409. A free analysis becomes premium and ' +
    '`premium_report_cost` is charged to you (`self`, 402 when short) or to the NGO (`sponsored`, 409 `voucher_unfunded` ' +
    'when short); an already-premium analysis is only linked. Exactly once, in one transaction.',
  unlinkMyAnalysisVoucher: 'The NGO loses access at once; no refund. Later charges of a sponsored report go to you. Nothing linked → 404.',
  consentVoucher: 'For links imported without consent (SPEC-WAVE2 §0.1): until then the NGO sees the report but not the contact data.',
};
