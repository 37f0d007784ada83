import { describe, expect, it, vi } from 'vitest';
import { CLOCK_SKEW_SECONDS, TokenError, VERIFIED_SIGNATURE_CACHE_SIZE, signAccessToken, verifyAccessToken } from '../../src/auth/jwt.js';

const SECRET = 'test-secret-key-that-is-long-enough-0123456789';
const USER_ID = '2f6c1a9e-4b7d-4c1e-9a3f-8d2b5e7c0a14';
const JTI = '7d9e2b1c-3a4f-4e5d-8c6b-1a2b3c4d5e6f';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const HEADER = { alg: 'HS256', typ: 'JWT' };

// --- hand-made tokens: base64url JSON + HMAC through WebCrypto, independent of hono ----------------

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const part = (value: unknown): string => b64url(new TextEncoder().encode(JSON.stringify(value)));

async function hmac(data: string, secret: string, hash: 'SHA-256' | 'SHA-384' | 'SHA-512' = 'SHA-256'): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash }, false, ['sign']);
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data))));
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: USER_ID, jti: JTI, iat: NOW_S - 10, exp: NOW_S + 3600, ...overrides };
}

/** Signs whatever header and payload it is given (raw strings are used as the encoded segment as is). */
async function craft(
  payload: unknown = claims(),
  header: unknown = HEADER,
  options: { secret?: string; hash?: 'SHA-256' | 'SHA-384' | 'SHA-512' } = {},
): Promise<string> {
  const signingInput = `${typeof header === 'string' ? header : part(header)}.${typeof payload === 'string' ? payload : part(payload)}`;
  return `${signingInput}.${await hmac(signingInput, options.secret ?? SECRET, options.hash)}`;
}

const without = (key: string): Record<string, unknown> => {
  const c = claims();
  delete c[key];
  return c;
};

async function refusal(token: unknown, now: Date = NOW): Promise<TokenError> {
  try {
    await verifyAccessToken(token as string, SECRET, now);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return error as TokenError;
  }
  throw new Error('token was accepted');
}

async function expectInvalid(token: unknown, now: Date = NOW): Promise<void> {
  expect((await refusal(token, now)).kind).toBe('invalid');
}

// ---------------------------------------------------------------------------------------------------

describe('signAccessToken / verifyAccessToken: happy path', () => {
  it('signs HS256 with exactly sub, jti, iat, exp and verifies it', async () => {
    const { token, jti, expiresAt } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 86400, now: NOW });
    const [header, payload] = token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: USER_ID, jti, iat: NOW_S, exp: NOW_S + 86400 });
    expect(jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(expiresAt.toISOString()).toBe('2026-03-02T12:00:00.000Z');

    expect(await verifyAccessToken(token, SECRET, NOW)).toEqual({ sub: USER_ID, jti, iat: NOW_S, exp: NOW_S + 86400 });
  });

  it('verifies with the wall clock by default', async () => {
    const { token, jti } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60 });
    expect((await verifyAccessToken(token, SECRET)).jti).toBe(jti);
  });

  it('gives every token its own jti', async () => {
    const a = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    const b = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    expect(a.jti).not.toBe(b.jti);
    expect(a.token).not.toBe(b.token);
  });

  it('accepts a hand-made token (so the refusals below are about the one thing each one changes)', async () => {
    expect(await verifyAccessToken(await craft(), SECRET, NOW)).toEqual(claims());
  });

  it('ignores extra claims and does not return them', async () => {
    const token = await craft(claims({ role: 'super_admin', permissions: ['manage_roles'] }));
    expect(await verifyAccessToken(token, SECRET, NOW)).toEqual(claims());
  });

  it('accepts an iat within the clock skew and an nbf in the past', async () => {
    await expect(verifyAccessToken(await craft(claims({ iat: NOW_S + CLOCK_SKEW_SECONDS })), SECRET, NOW)).resolves.toBeDefined();
    await expect(verifyAccessToken(await craft(claims({ nbf: NOW_S - 5 })), SECRET, NOW)).resolves.toBeDefined();
  });

  it('keeps working when the secret changes (key cache)', async () => {
    const other = 'another-secret-key-that-is-long-enough-9876543210';
    const a = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    const b = await signAccessToken({ userId: USER_ID, secret: other, ttlSeconds: 60, now: NOW });
    await expect(verifyAccessToken(a.token, SECRET, NOW)).resolves.toBeDefined();
    await expect(verifyAccessToken(b.token, other, NOW)).resolves.toBeDefined();
    await expectInvalid(b.token);
  });

  it('treats a secret containing "PUBLIC" as an HMAC secret, not a PEM key', async () => {
    const secret = 'MY-PUBLIC-FACING-APP-SECRET-0123456789abcdef';
    const { token } = await signAccessToken({ userId: USER_ID, secret, ttlSeconds: 60, now: NOW });
    await expect(verifyAccessToken(token, secret, NOW)).resolves.toBeDefined();
  });
});

describe('signAccessToken input checks', () => {
  it('refuses a non-UUID user id, a bad ttl and an empty secret', async () => {
    await expect(signAccessToken({ userId: '42', secret: SECRET, ttlSeconds: 60 })).rejects.toThrow(TypeError);
    await expect(signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
    await expect(signAccessToken({ userId: USER_ID, secret: '', ttlSeconds: 60 })).rejects.toThrow(TypeError);
  });

  it('an empty verification secret is a configuration error, not a bad token', async () => {
    const error = await verifyAccessToken(await craft(), '', NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(TokenError);
  });
});

describe('expiry', () => {
  it('is "expired" at exp and after, valid one second before', async () => {
    const token = await craft(claims({ exp: NOW_S }));
    expect((await refusal(token)).kind).toBe('expired');
    expect((await refusal(token, new Date(NOW.getTime() + 86_400_000))).kind).toBe('expired');
    await expect(verifyAccessToken(token, SECRET, new Date((NOW_S - 1) * 1000))).resolves.toBeDefined();
  });

  it('a token signed by us expires after its ttl', async () => {
    const { token } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    expect((await refusal(token, new Date(NOW.getTime() + 60_000))).kind).toBe('expired');
  });

  it('an expired token with a bad signature or the wrong algorithm is "invalid", not "expired"', async () => {
    const expired = claims({ exp: NOW_S - 100 });
    await expectInvalid(await craft(expired, HEADER, { secret: 'wrong-secret' }));
    await expectInvalid(await craft(expired, { alg: 'HS384', typ: 'JWT' }));
  });

  it('an expired token with broken claims is "invalid"', async () => {
    await expectInvalid(await craft(claims({ exp: NOW_S - 100, sub: 'admin' })));
  });
});

describe('algorithm pinning', () => {
  it('refuses alg "none" (unsigned, and also with a signature attached)', async () => {
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims())}.`;
    await expectInvalid(unsigned);
    await expectInvalid(await craft(claims(), { alg: 'none', typ: 'JWT' }));
    await expectInvalid(await craft(claims(), { alg: 'None', typ: 'JWT' }));
  });

  it('refuses HS512 and HS384 tokens made with our own secret', async () => {
    await expectInvalid(await craft(claims(), { alg: 'HS512', typ: 'JWT' }, { hash: 'SHA-512' }));
    await expectInvalid(await craft(claims(), { alg: 'HS384', typ: 'JWT' }, { hash: 'SHA-384' }));
  });

  it('refuses a header naming another algorithm over a valid HS256 signature', async () => {
    for (const alg of ['HS512', 'HS384', 'RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', '']) {
      await expectInvalid(await craft(claims(), { alg, typ: 'JWT' }));
    }
  });

  it('refuses RS256 algorithm confusion (HMAC keyed with a public key) and a real-sized RSA signature', async () => {
    const publicPem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    await expectInvalid(await craft(claims(), { alg: 'RS256', typ: 'JWT' }, { secret: publicPem }));
    const rsaSized = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims())}.${b64url(new Uint8Array(256).fill(7))}`;
    await expectInvalid(rsaSized);
  });

  it('refuses a header without alg, with an unknown typ, or with crit', async () => {
    await expectInvalid(await craft(claims(), { typ: 'JWT' }));
    await expectInvalid(await craft(claims(), { alg: 'HS256', typ: 'at+jwt' }));
    await expectInvalid(await craft(claims(), { alg: 'HS256', typ: 'JWT', crit: ['exp'] }));
    await expectInvalid(await craft(claims(), null));
    await expectInvalid(await craft(claims(), ['HS256']));
  });
});

describe('signature and tampering', () => {
  it('refuses a token signed with another key', async () => {
    await expectInvalid(await craft(claims(), HEADER, { secret: `${SECRET}x` }));
    const { token } = await signAccessToken({ userId: USER_ID, secret: 'some-other-secret-0123456789abcdefghij', ttlSeconds: 60, now: NOW });
    await expectInvalid(token);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await craft()).split('.');
    const forged = part(claims({ sub: '00000000-0000-4000-8000-000000000000' }));
    await expectInvalid(`${header}.${forged}.${signature}`);
    const extended = part(claims({ exp: NOW_S + 10 * 365 * 86400 }));
    await expectInvalid(`${header}.${extended}.${signature}`);
  });

  it('refuses a tampered header', async () => {
    const [, payload, signature] = (await craft()).split('.');
    await expectInvalid(`${part({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${payload}.${signature}`);
    await expectInvalid(`${part({ typ: 'JWT', alg: 'HS256' })}.${payload}.${signature}`);
  });

  it('refuses a flipped signature bit, a truncated signature and an alternative spelling of it', async () => {
    const token = await craft();
    const head = token.slice(0, token.lastIndexOf('.') + 1);
    const signature = token.slice(head.length);
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    await expectInvalid(head + flipped);
    await expectInvalid(head + signature.slice(0, -1));
    await expectInvalid(`${token}=`);
    // The last character of a 32-byte signature has 2 unused bits: setting them decodes to the same
    // bytes in lenient decoders, so it must still be refused.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const lowBitsSet = last[last.indexOf(signature.at(-1)!) | 1]!;
    await expectInvalid(head + signature.slice(0, -1) + lowBitsSet);
  });
});

describe('time claims', () => {
  it('refuses an iat in the future beyond the skew', async () => {
    await expectInvalid(await craft(claims({ iat: NOW_S + CLOCK_SKEW_SECONDS + 1, exp: NOW_S + 7200 })));
  });

  it('refuses an nbf in the future, or of the wrong type', async () => {
    await expectInvalid(await craft(claims({ nbf: NOW_S + CLOCK_SKEW_SECONDS + 1 })));
    await expectInvalid(await craft(claims({ nbf: String(NOW_S) })));
    await expectInvalid(await craft(claims({ nbf: null })));
  });

  it('refuses exp not after iat', async () => {
    await expectInvalid(await craft(claims({ iat: NOW_S, exp: NOW_S })));
    await expectInvalid(await craft(claims({ iat: NOW_S, exp: NOW_S - 1 })));
  });
});

describe('claim presence and types', () => {
  const cases: Array<[string, () => Record<string, unknown>]> = [
    ['missing sub', () => without('sub')],
    ['missing jti', () => without('jti')],
    ['missing iat', () => without('iat')],
    ['missing exp', () => without('exp')],
    ['sub is a number', () => claims({ sub: 42 })],
    ['sub is not a UUID', () => claims({ sub: 'admin' })],
    ['sub is a UUID with extra text', () => claims({ sub: `${USER_ID} ` })],
    ['sub is an array', () => claims({ sub: [USER_ID] })],
    ['jti is a number', () => claims({ jti: 1 })],
    ['jti is not a UUID', () => claims({ jti: 'abc' })],
    ['iat is a string', () => claims({ iat: String(NOW_S) })],
    ['exp is a string', () => claims({ exp: String(NOW_S + 3600) })],
    ['exp is null', () => claims({ exp: null })],
    ['exp is a fraction', () => claims({ exp: NOW_S + 3600.5 })],
    ['exp is negative', () => claims({ exp: -1, iat: -100 })],
    ['exp is a boolean', () => claims({ exp: true })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    await expectInvalid(await craft(make()));
  });

  it('exp beyond the safe integers (1e400 parses as Infinity)', async () => {
    const payload = Buffer.from(`{"sub":"${USER_ID}","jti":"${JTI}","iat":${NOW_S},"exp":1e400}`).toString('base64url');
    await expectInvalid(await craft(payload));
  });

  it('payload that is not an object', async () => {
    for (const payload of [null, [], 42, 'sub', true]) {
      await expectInvalid(await craft(payload));
    }
  });

  it('payload or header that is not JSON', async () => {
    await expectInvalid(await craft(Buffer.from('{"sub":').toString('base64url')));
    await expectInvalid(await craft(claims(), Buffer.from('not json').toString('base64url')));
  });
});

describe('garbage', () => {
  const cases: Array<[string, unknown]> = [
    ['empty string', ''],
    ['one word', 'garbage'],
    ['Bearer prefix left in', 'Bearer abc.def.ghi'],
    ['two segments', 'abc.def'],
    ['empty segments', '..'],
    ['non-string (undefined)', undefined],
    ['non-string (number)', 12345],
    ['non-string (object)', { token: 'x' }],
    ['huge', `${'a'.repeat(5000)}.${'b'.repeat(5000)}.${'c'.repeat(43)}`],
  ];

  it.each(cases)('%s', async (_name, token) => {
    await expectInvalid(token);
  });

  it('more or fewer than three segments', async () => {
    const token = await craft();
    const [h, p, s] = token.split('.');
    await expectInvalid(`${h}.${p}`);
    await expectInvalid(`${h}.${p}.${s}.${s}`);
    await expectInvalid(`${token}.`);
    await expectInvalid(`.${token}`);
    await expectInvalid(`${h}.${s}`);
  });

  it('standard base64 or whitespace instead of base64url', async () => {
    const token = await craft();
    await expectInvalid(` ${token}`);
    await expectInvalid(`${token}\n`);
    await expectInvalid(token.replace(/-/g, '+').replace(/_/g, '/').replace(/\.([^.]*)$/, '.$1+'));
  });
});

describe('verified-signature cache', () => {
  const other = 'another-secret-key-that-is-long-enough-9876543210';

  it('checks a token\'s signature once, then serves repeats without an HMAC', async () => {
    const { token } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    const hmacVerify = vi.spyOn(crypto.subtle, 'verify');
    try {
      await verifyAccessToken(token, SECRET, NOW);
      expect(hmacVerify).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 5; i++) await verifyAccessToken(token, SECRET, NOW);
      expect(hmacVerify).toHaveBeenCalledTimes(1);
    } finally {
      hmacVerify.mockRestore();
    }
  });

  it('still applies the clock to a cached token: expired at exp', async () => {
    const { token } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    await verifyAccessToken(token, SECRET, NOW);
    expect((await refusal(token, new Date(NOW.getTime() + 60_000))).kind).toBe('expired');
  });

  it('is tied to the secret: a token cached under one secret is refused under another', async () => {
    const { token } = await signAccessToken({ userId: USER_ID, secret: SECRET, ttlSeconds: 60, now: NOW });
    await verifyAccessToken(token, SECRET, NOW);
    await expect(verifyAccessToken(token, other, NOW)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(verifyAccessToken(token, SECRET, NOW)).resolves.toMatchObject({ sub: USER_ID });
  });

  it('a cached token does not vouch for a tampered copy of it', async () => {
    const token = await craft();
    await verifyAccessToken(token, SECRET, NOW);
    const [header, , signature] = token.split('.');
    await expectInvalid(`${header}.${part(claims({ sub: '00000000-0000-4000-8000-000000000000' }))}.${signature}`);
    await expectInvalid(`${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`);
  });

  it('is bounded: the least recently used token is checked again after the cache overflows', async () => {
    const first = await craft(claims({ jti: crypto.randomUUID() }));
    await verifyAccessToken(first, SECRET, NOW);
    for (let i = 0; i < VERIFIED_SIGNATURE_CACHE_SIZE; i++) {
      await verifyAccessToken(await craft(claims({ jti: crypto.randomUUID() })), SECRET, NOW);
    }
    const hmacVerify = vi.spyOn(crypto.subtle, 'verify');
    try {
      await verifyAccessToken(first, SECRET, NOW);
      expect(hmacVerify).toHaveBeenCalledTimes(1);
    } finally {
      hmacVerify.mockRestore();
    }
  });
});

describe('TokenError', () => {
  it('carries its kind and never the token', async () => {
    const token = await craft(claims(), HEADER, { secret: 'wrong' });
    const error = await refusal(token);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TokenError');
    expect(error.kind).toBe('invalid');
    expect(error.message).not.toContain(token.split('.')[1]);
    expect(error.message).not.toContain(USER_ID);
    expect(new TokenError('expired', 'exp').kind).toBe('expired');
  });
});
