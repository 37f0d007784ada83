/**
 * Access tokens: JWT, HS256 only (SPEC §2). Claims are exactly `sub` (user id), `jti`, `iat`, `exp`;
 * nothing else in a token is trusted.
 *
 * Signing and the signature check go through `hono/jwt` with the algorithm pinned: its `verify` refuses a
 * header whose `alg` differs from the one we pass (so `none`, HS512 and RS256 tokens fail), a `typ` other
 * than JWT, and a `crit` header. Its own time checks are switched off and done here instead, because hono
 * runs them BEFORE the signature check (a forged token with an old `exp` would be reported "expired") and
 * reads the wall clock (no injectable `now` for tests).
 */
import { verify as honoVerify, sign as honoSign } from 'hono/jwt';

export type TokenErrorKind = 'expired' | 'invalid';

/** Why a token was refused. `expired` is only used for a genuine token of ours past its `exp`. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly kind: TokenErrorKind;

  // The message is safe to log: it never contains the token or its claims.
  constructor(kind: TokenErrorKind, reason: string) {
    super(kind === 'expired' ? 'token expired' : `invalid token: ${reason}`);
    this.kind = kind;
  }
}

// A type alias (not an interface) so it is assignable to hono's index-signature JWTPayload.
export type AccessTokenClaims = {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
};

const ALG = 'HS256';
/** Tolerated clock difference for `iat`/`nbf` between the isolate that signed and the one verifying. */
export const CLOCK_SKEW_SECONDS = 60;
// Our tokens are ~250 characters; a cap keeps garbage from costing decoding or HMAC time.
const MAX_TOKEN_LENGTH = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Three unpadded base64url segments; the HS256 signature is exactly 32 bytes = 43 characters whose last
// one carries 2 unused bits that must be zero. Pinning that spelling means a token has one valid form.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

export async function signAccessToken(options: {
  userId: string;
  secret: string;
  ttlSeconds: number;
  now?: Date;
}): Promise<{ token: string; jti: string; expiresAt: Date }> {
  const { userId, secret, ttlSeconds, now = new Date() } = options;
  if (!UUID.test(userId)) throw new TypeError('userId must be a UUID');
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const jti = crypto.randomUUID();
  const claims: AccessTokenClaims = { sub: userId, jti, iat, exp };
  const token = await honoSign(claims, await hmacKey(secret), ALG);
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

/**
 * Returns the claims of a genuine, current token, or throws TokenError:
 * `expired` → the app answers 401 TOKEN_EXPIRED; `invalid` → 401 AUTHENTICATION_ERROR.
 * Revocation and the user's state are the caller's business (they need the database).
 */
export async function verifyAccessToken(token: string, secret: string, now: Date = new Date()): Promise<AccessTokenClaims> {
  const key = await hmacKey(secret); // outside the try: a bad secret is a configuration error, not a bad token
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
    throw new TokenError('invalid', 'malformed');
  }

  let payload = verifiedSignatures.get(token, secret);
  if (payload === undefined) {
    try {
      payload = await honoVerify(token, key, { alg: ALG, exp: false, nbf: false, iat: false });
    } catch {
      // hono's messages embed the whole token; do not let them reach a log.
      throw new TokenError('invalid', 'signature, algorithm or header');
    }
    verifiedSignatures.set(token, secret, payload);
  }
  // A signed payload of `null`, `[]` or `42` passes hono (its claim checks are off); refuse it here.
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TokenError('invalid', 'payload');
  }

  const { sub, jti, iat, exp, nbf } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || !UUID.test(sub)) throw new TokenError('invalid', 'sub');
  if (typeof jti !== 'string' || !UUID.test(jti)) throw new TokenError('invalid', 'jti');
  if (!isSeconds(iat)) throw new TokenError('invalid', 'iat');
  if (!isSeconds(exp) || exp <= iat) throw new TokenError('invalid', 'exp');

  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new TokenError('invalid', 'issued in the future');
  // We never issue `nbf`, but a signed one is still honoured rather than ignored.
  if (nbf !== undefined && (!isSeconds(nbf) || nbf > nowSeconds + CLOCK_SKEW_SECONDS)) {
    throw new TokenError('invalid', 'nbf');
  }
  if (exp <= nowSeconds) throw new TokenError('expired', 'exp');

  return { sub, jti, iat, exp };
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Tokens whose signature (and header) already verified under a secret → their decoded payload.
 * A client sends the same token on every request, and the HMAC check through WebCrypto was the
 * largest single CPU cost of an authenticated request (bench/profile-route.ts). Only the signature
 * result is remembered: the claim and clock checks below run on every call, and revocation is the
 * database's business. Bounded (least recently used entries go first) and emptied when the secret
 * changes; the full token is the key, so a token differing in any byte is verified afresh.
 */
export const VERIFIED_SIGNATURE_CACHE_SIZE = 4096;

const verifiedSignatures = {
  secret: undefined as string | undefined,
  entries: new Map<string, unknown>(),
  get(token: string, secret: string): unknown {
    if (this.secret !== secret) return undefined;
    const payload = this.entries.get(token);
    if (payload !== undefined) {
      this.entries.delete(token); // re-insert: Map order is the recency order
      this.entries.set(token, payload);
    }
    return payload;
  },
  set(token: string, secret: string, payload: unknown): void {
    if (payload === undefined) return;
    if (this.secret !== secret) {
      this.secret = secret;
      this.entries.clear();
    }
    this.entries.set(token, payload);
    if (this.entries.size > VERIFIED_SIGNATURE_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
  },
};

// Passing a CryptoKey (not the secret string) matters: hono treats a string key containing "PRIVATE"
// or "PUBLIC" as PEM. Importing is cheap, but caching the last key saves it on every request.
let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('JWT secret must be a non-empty string');
  if (cachedKey?.secret !== secret) {
    const key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}
