/**
 * Access tokens and their session rows. A token is honoured only while its row is live
 * (see current-user.ts), which is what makes logout and password change real revocations.
 */
import { and, eq, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { authSessions } from '../db/schema.js';
import { signAccessToken } from './jwt.js';

export interface IssuedSession {
  token: string;
  jti: string;
  expiresIn: number;
  /** The statement that records the session; run it in the caller's batch. */
  insert: ReturnType<typeof insertSession>;
}

function insertSession(db: Database, values: { jti: string; userId: string; expiresAt: Date }) {
  return db.insert(authSessions).values(values);
}

export async function issueSession(db: Database, config: Config, userId: string): Promise<IssuedSession> {
  const { token, jti, expiresAt } = await signAccessToken({
    userId,
    secret: config.jwtSecret,
    ttlSeconds: config.jwtTtlSeconds,
  });
  return { token, jti, expiresIn: config.jwtTtlSeconds, insert: insertSession(db, { jti, userId, expiresAt }) };
}

export function revokeSession(db: Database, jti: string, reason: string) {
  return db
    .update(authSessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(authSessions.jti, jti), isNull(authSessions.revokedAt)))
    .returning({ jti: authSessions.jti });
}

/** Revokes every live session of a user, except `keepJti` when given. */
export function revokeUserSessions(db: Database, userId: string, reason: string, keepJti?: string) {
  return db
    .update(authSessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(
      and(
        eq(authSessions.userId, userId),
        isNull(authSessions.revokedAt),
        keepJti ? ne(authSessions.jti, keepJti) : undefined,
      ),
    );
}

/** Scheduled clean-up: expired sessions and sessions revoked long ago carry no information. */
export function purgeDeadSessions(db: Database) {
  return db
    .delete(authSessions)
    .where(or(lte(authSessions.expiresAt, sql`now()`), lte(authSessions.revokedAt, sql`now() - interval '30 days'`)));
}
