/**
 * One-time codes (SPEC-WAVE2 §11.6, §11.7, §0.1). Only HMAC(purpose:user_id:code) is stored; the code
 * travels only inside the encrypted outbox secret. Issuing is three statements for the caller's batch
 * (supersede the live code, insert the new one, queue its mail), all conditional in SQL so the same
 * work runs whether or not the account exists. A check is ONE batch that never raises on a wrong
 * code: the first statement spends an attempt and compares the hash; later statements act only when
 * it succeeded (`consumed_at = now()`, the transaction's timestamp); failure counters are upserted in
 * the same batch, so failed guesses are committed, never rolled back.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { EmailCodePurpose } from '../db/schema.js';
import { hashCode, newSixDigitCode } from './crypto.js';
import { enqueueUserMail, sealSecrets } from './outbox.js';

/** At most 10 failed code checks per account per 24 h, across codes and purposes (§0.1). */
export const ACCOUNT_GUESS_CAP = 10;
const ACCOUNT_GUESS_WINDOW_S = 24 * 60 * 60;
/** 30 failed code checks per IP per 15 minutes → 429 (§11.7). */
export const IP_GUESS_LIMIT = 30;
export const IP_GUESS_WINDOW_S = 15 * 60;

export const accountGuessKey = (userId: string) => `codefail:user:${userId}`;
export const ipGuessKey = (ip: string) => `codefail:ip:${ip}`;

const TEMPLATE_OF = { verify_email: 'email_verification', reset_password: 'password_reset_code' } as const;

export interface IssuedCode {
  codeId: string;
  outboxId: string;
  statements: ReturnType<Database['execute']>[];
}

/**
 * Statements that supersede the user's live code of this purpose and issue a new one with its mail.
 * `when` (SQL) gates the whole issue (e.g. "the user exists, is active and within the mail limits").
 */
export async function issueCode(
  db: Database,
  config: Config,
  input: { userId: string; purpose: EmailCodePurpose; ipHash: string | null; when?: SQL },
): Promise<IssuedCode> {
  const code = newSixDigitCode();
  const codeId = crypto.randomUUID();
  const outboxId = crypto.randomUUID();
  const [codeHash, secret] = await Promise.all([
    hashCode(config.secretKey, input.purpose, input.userId, code),
    sealSecrets(config, { code }),
  ]);
  const expiresAt = new Date(Date.now() + config.email.codeTtlS * 1000);
  const gate = input.when ? sql`AND ${input.when}` : sql``;
  const template = TEMPLATE_OF[input.purpose];
  return {
    codeId,
    outboxId,
    statements: [
      db.execute(sql`
        UPDATE email_codes SET superseded_at = now()
        WHERE user_id = ${input.userId} AND purpose = ${input.purpose} AND consumed_at IS NULL AND superseded_at IS NULL
          AND EXISTS (SELECT 1 FROM users u WHERE u.id = ${input.userId} ${gate})`),
      db.execute(sql`
        INSERT INTO email_codes (id, user_id, purpose, code_hash, max_attempts, expires_at, created_ip_hash)
        SELECT ${codeId}::uuid, u.id, ${input.purpose}, ${codeHash}, ${config.email.codeMaxAttempts}, ${expiresAt}::timestamptz, ${input.ipHash}
        FROM users u WHERE u.id = ${input.userId} ${gate}
        ON CONFLICT DO NOTHING`),
      enqueueUserMail(db, config, {
        id: outboxId,
        eventKey: `${template}:${codeId}`,
        template,
        userId: input.userId,
        variables: { expires_minutes: Math.round(config.email.codeTtlS / 60) },
        secretCiphertext: secret,
        expiresAt,
        when: sql`EXISTS (SELECT 1 FROM email_codes c WHERE c.id = ${codeId}::uuid)`,
      }),
    ],
  };
}

/** "The code this batch consumed": later statements of a consuming check act only under it. */
export const consumedNow = (userId: string, purpose: EmailCodePurpose): SQL =>
  sql`EXISTS (SELECT 1 FROM email_codes c WHERE c.user_id = ${userId} AND c.purpose = ${purpose} AND c.consumed_at = now())`;

export interface CodeCheck {
  /** Runs first in the batch; its rows say whether the code was right (`ok`) and when it expires. */
  check: ReturnType<Database['execute']>;
  /** True in SQL when the check succeeded (for the batch's later statements). */
  succeeded: SQL;
  /** Failure counters (account-wide and per IP), upserted only when the check failed. */
  counters: ReturnType<Database['execute']>[];
}

/**
 * A code check. `consume`: the right code is consumed (verification, reset); otherwise it is only
 * compared and a right code costs nothing (forgot-password/verify). A wrong code always costs an
 * attempt; an account past ACCOUNT_GUESS_CAP fails every check until its window passes.
 */
export async function checkCode(
  db: Database,
  config: Config,
  input: { userId: string; purpose: EmailCodePurpose; code: string; consume: boolean; ip: string },
): Promise<CodeCheck> {
  const codeHash = await hashCode(config.secretKey, input.purpose, input.userId, input.code);
  const capOk = sql`COALESCE((SELECT r.count FROM rate_limits r WHERE r.key = ${accountGuessKey(input.userId)} AND r.reset_at > now()), 0) < ${ACCOUNT_GUESS_CAP}`;
  const matches = sql`(code_hash = ${codeHash} AND ${capOk})`;
  const live = sql`user_id = ${input.userId} AND purpose = ${input.purpose} AND consumed_at IS NULL AND superseded_at IS NULL
    AND attempts < max_attempts AND expires_at > now()`;
  const check = input.consume
    ? db.execute<{ ok: boolean; expires_at: string }>(sql`
        UPDATE email_codes SET attempts = attempts + 1, consumed_at = CASE WHEN ${matches} THEN now() END
        WHERE ${live}
        RETURNING consumed_at IS NOT NULL AS ok, expires_at`)
    : db.execute<{ ok: boolean; expires_at: string }>(sql`
        UPDATE email_codes SET attempts = attempts + CASE WHEN ${matches} THEN 0 ELSE 1 END
        WHERE ${live}
        RETURNING ${matches} AS ok, expires_at`);
  const succeeded = input.consume
    ? consumedNow(input.userId, input.purpose)
    : sql`EXISTS (SELECT 1 FROM email_codes WHERE ${live} AND ${matches})`;
  const counters = [
    failureCounter(db, accountGuessKey(input.userId), ACCOUNT_GUESS_WINDOW_S, succeeded),
    failureCounter(db, ipGuessKey(input.ip), IP_GUESS_WINDOW_S, succeeded),
  ];
  return { check, succeeded, counters };
}

/** A fixed-window counter hit (like services/rate-limit.ts) taken only when `succeeded` is false. */
function failureCounter(db: Database, key: string, windowS: number, succeeded: SQL) {
  const end = sql`now() + make_interval(secs => ${windowS})`;
  return db.execute(sql`
    INSERT INTO rate_limits (key, count, reset_at)
    SELECT ${key}, 1, ${end} WHERE NOT ${succeeded}
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
      reset_at = CASE WHEN rate_limits.reset_at <= now() THEN ${end} ELSE rate_limits.reset_at END`);
}

/** The current count of a window (SQL), 0 once it ended. */
export const windowCount = (key: string): SQL =>
  sql`COALESCE((SELECT r.count FROM rate_limits r WHERE r.key = ${key} AND r.reset_at > now()), 0)`;

/** Did the check statement's rows say the code was right? */
export function checkSucceeded(result: unknown): { ok: boolean; expiresAt: string | undefined } {
  const row = (result as { rows?: { ok: unknown; expires_at: unknown }[] }).rows?.[0];
  return { ok: row?.ok === true || row?.ok === 't', expiresAt: row ? String(row.expires_at) : undefined };
}
