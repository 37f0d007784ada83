import * as nodeCrypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PRODUCTION_SCRYPT,
  TEST_SCRYPT,
  dummyVerify,
  hashPassword,
  verifyPassword,
} from '../../src/auth/password.js';

// Pass-through spies: the real functions run, the tests can see how they were called.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, scrypt: vi.fn(actual.scrypt), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const scryptSpy = vi.mocked(nodeCrypto.scrypt);
const timingSafeEqualSpy = vi.mocked(nodeCrypto.timingSafeEqual);

const PASSWORD = 'correct horse 42';
const FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

beforeEach(() => {
  scryptSpy.mockClear();
  timingSafeEqualSpy.mockClear();
});

describe('hashPassword / verifyPassword (scrypt)', () => {
  it('round-trips and salts every hash', async () => {
    const a = await hashPassword(PASSWORD, TEST_SCRYPT);
    const b = await hashPassword(PASSWORD, TEST_SCRYPT);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword(PASSWORD, b, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: false });
  });

  it('refuses a wrong password', async () => {
    const stored = await hashPassword(PASSWORD, TEST_SCRYPT);
    expect(await verifyPassword('correct horse 43', stored, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('', stored, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it('encodes the parameters, a 16-byte salt and a 32-byte key in the hash (PHC-like)', async () => {
    const stored = await hashPassword(PASSWORD, { ln: 11, r: 4, p: 2 });
    const match = FORMAT.exec(stored);
    expect(match).not.toBeNull();
    const [, ln, r, p, salt, key] = match!;
    expect([ln, r, p]).toEqual(['11', '4', '2']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    // The key is plain scrypt of the UTF-8 password, so any scrypt implementation can check it.
    const expected = nodeCrypto.scryptSync(PASSWORD, Buffer.from(salt!, 'base64'), 32, { N: 2 ** 11, r: 4, p: 2 });
    expect(Buffer.from(key!, 'base64').equals(expected)).toBe(true);
  });

  it('uses the production parameters by default', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored.startsWith('$scrypt$ln=14,r=8,p=5$')).toBe(true);
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: true, needsRehash: false });
    expect(PRODUCTION_SCRYPT).toEqual({ ln: 14, r: 8, p: 5 });
  });

  it('asks for a re-hash when the target parameters were raised, and only when the password is right', async () => {
    const stored = await hashPassword(PASSWORD, TEST_SCRYPT);
    for (const target of [
      { ...TEST_SCRYPT, ln: TEST_SCRYPT.ln + 1 },
      { ...TEST_SCRYPT, r: TEST_SCRYPT.r + 1 },
      { ...TEST_SCRYPT, p: TEST_SCRYPT.p + 1 },
    ]) {
      expect(await verifyPassword(PASSWORD, stored, target)).toEqual({ ok: true, needsRehash: true });
      expect(await verifyPassword('wrong password 1', stored, target)).toEqual({ ok: false, needsRehash: false });
    }
    // A hash stronger than the target is left alone.
    expect(await verifyPassword(PASSWORD, stored, { ln: 9, r: 8, p: 1 })).toEqual({ ok: true, needsRehash: false });
  });

  it('normalises to NFKC, so composed and decomposed spellings are the same password', async () => {
    const composed = 'caf\u00e9 \u0623\u0645\u0644 2024'; // é and Arabic alef-with-hamza as single code points
    const decomposed = 'cafe\u0301 \u0627\u0654\u0645\u0644 2024';
    const stored = await hashPassword(composed, TEST_SCRYPT);
    expect((await verifyPassword(decomposed, stored, TEST_SCRYPT)).ok).toBe(true);
  });

  it('refuses invalid parameters when hashing', async () => {
    await expect(hashPassword(PASSWORD, { ln: 0, r: 8, p: 1 })).rejects.toThrow(RangeError);
    await expect(hashPassword(PASSWORD, { ln: 21, r: 8, p: 1 })).rejects.toThrow(RangeError);
    await expect(hashPassword(PASSWORD, { ln: 10, r: 8, p: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('legacy bcrypt hashes from the Flask app', () => {
  it('verifies a bcrypt hash made now and always asks for a re-hash', async () => {
    const stored = bcrypt.hashSync(PASSWORD, 4);
    expect(stored.startsWith('$2b$04$')).toBe(true);
    expect(await verifyPassword(PASSWORD, stored, TEST_SCRYPT)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('correct horse 43', stored, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
  });

  it('verifies a fixed $2b$12$ hash (the Flask cost)', async () => {
    // Computed once with bcryptjs.hashSync('Flask-era pass 12', 12).
    const stored = '$2b$12$5jVeoOeWYJRVlVAz8bJRYu0M4B4MgLOOZMO9trBzQBvB4zJykPuMe';
    expect(await verifyPassword('Flask-era pass 12', stored)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('Flask-era pass 13', stored)).toEqual({ ok: false, needsRehash: false });
  });

  it('agrees with other implementations ($2b$ pyca/bcrypt, $2a$ jBCrypt, $2y$ PHP) on published vectors', async () => {
    const vectors: Array<[string, string]> = [
      ['Kk4DQuMMfZL9o', '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm'],
      ['abc', '$2a$10$WvvTPHKwdBJ3uk0Z37EMR.hLA2W6N9AEBhEgrAOljy2Ae5MtaSIUi'],
      ['Kk4DQuMMfZL9o', '$2y$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm'],
    ];
    for (const [password, stored] of vectors) {
      expect(await verifyPassword(password, stored)).toEqual({ ok: true, needsRehash: true });
    }
  });

  it('refuses bcrypt costs high enough to burn CPU, and unknown variants', async () => {
    const vector = 'cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm';
    expect(await verifyPassword('Kk4DQuMMfZL9o', `$2b$31$${vector}`)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('Kk4DQuMMfZL9o', `$2b$03$${vector}`)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('Kk4DQuMMfZL9o', `$2x$04$${vector}`)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('Kk4DQuMMfZL9o', `$2$04$${vector}`)).toEqual({ ok: false, needsRehash: false });
  });
});

describe('malformed stored values never throw', () => {
  const salt = 'uhYT0nojinUl0biJ6UWdcQ';
  const key = 'THOrkOLR+xng1qh6yDff7qgDBF3U5ikeVmzSINU/iMs';
  const cases: Array<[string, unknown]> = [
    ['empty', ''],
    ['garbage', 'not a hash'],
    ['null', null],
    ['number', 42],
    ['plain text password', PASSWORD],
    ['unknown scheme', `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`],
    ['missing key', `$scrypt$ln=10,r=8,p=1$${salt}`],
    ['empty key', `$scrypt$ln=10,r=8,p=1$${salt}$`],
    ['extra segment', `$scrypt$ln=10,r=8,p=1$${salt}$${key}$x`],
    ['parameters reordered', `$scrypt$r=8,ln=10,p=1$${salt}$${key}`],
    ['non-numeric parameter', `$scrypt$ln=ten,r=8,p=1$${salt}$${key}`],
    ['negative parameter', `$scrypt$ln=-1,r=8,p=1$${salt}$${key}`],
    ['ln = 0', `$scrypt$ln=0,r=8,p=1$${salt}$${key}`],
    ['absurd ln', `$scrypt$ln=21,r=8,p=1$${salt}$${key}`],
    ['absurd ln (3 digits)', `$scrypt$ln=100,r=8,p=1$${salt}$${key}`],
    ['absurd p', `$scrypt$ln=10,r=8,p=17$${salt}$${key}`],
    ['absurd r', `$scrypt$ln=10,r=99,p=1$${salt}$${key}`],
    ['too much memory (ln=17, r=8 = 128 MiB)', `$scrypt$ln=17,r=8,p=1$${salt}$${key}`],
    ['too much work (ln=16, r=8, p=16)', `$scrypt$ln=16,r=8,p=16$${salt}$${key}`],
    ['padded base64', `$scrypt$ln=10,r=8,p=1$${salt}==$${key}=`],
    ['url-safe base64', `$scrypt$ln=10,r=8,p=1$${salt}$${key.replace('+', '-')}`],
    ['non-canonical base64 (stray low bits)', `$scrypt$ln=10,r=8,p=1$${salt.slice(0, -1)}R$${key}`],
    ['short salt', `$scrypt$ln=10,r=8,p=1$AAAA$${key}`],
    ['short key', `$scrypt$ln=10,r=8,p=1$${salt}$AAAAAAAA`],
    ['bcrypt too short', '$2b$04$cVWp4XaNU8a4v1uMRum2SO'],
    ['bcrypt with bad alphabet', '$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YE!'],
  ];

  it.each(cases)('%s', async (_name, stored) => {
    await expect(verifyPassword(PASSWORD, stored as string, TEST_SCRYPT)).resolves.toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('does no scrypt work at all for absurd parameters', async () => {
    await verifyPassword(PASSWORD, `$scrypt$ln=20,r=16,p=16$${salt}$${key}`, TEST_SCRYPT);
    expect(scryptSpy).not.toHaveBeenCalled();
  });

  it('a non-string password is a refusal, not a crash', async () => {
    const stored = await hashPassword(PASSWORD, TEST_SCRYPT);
    await expect(verifyPassword(undefined as unknown as string, stored, TEST_SCRYPT)).resolves.toEqual({
      ok: false,
      needsRehash: false,
    });
  });
});

describe('timing safety', () => {
  it('compares keys with timingSafeEqual over the full key, also for a wrong password', async () => {
    const stored = await hashPassword(PASSWORD, TEST_SCRYPT);
    timingSafeEqualSpy.mockClear();
    expect((await verifyPassword('wrong password 9', stored, TEST_SCRYPT)).ok).toBe(false);
    expect(timingSafeEqualSpy).toHaveBeenCalledTimes(1);
    const [a, b] = timingSafeEqualSpy.mock.calls[0]!;
    expect((a as Buffer).length).toBe(32);
    expect((b as Buffer).length).toBe(32);
  });

  it('dummyVerify does the same scrypt work as a real verification and never succeeds', async () => {
    const stored = await hashPassword(PASSWORD, TEST_SCRYPT);
    scryptSpy.mockClear();
    timingSafeEqualSpy.mockClear();
    await verifyPassword('wrong password 9', stored, TEST_SCRYPT);
    const real = scryptSpy.mock.calls[0]!;

    scryptSpy.mockClear();
    timingSafeEqualSpy.mockClear();
    expect(await dummyVerify(PASSWORD, TEST_SCRYPT)).toEqual({ ok: false, needsRehash: false });
    expect(scryptSpy).toHaveBeenCalledTimes(1);
    expect(timingSafeEqualSpy).toHaveBeenCalledTimes(1);
    const dummy = scryptSpy.mock.calls[0]!;
    // Same key length and cost options (N, r, p, maxmem): the same CPU time.
    expect(dummy[2]).toBe(real[2]);
    expect(dummy[3]).toEqual(real[3]);
  });

  it('dummyVerify defaults to the production parameters', async () => {
    await dummyVerify(PASSWORD);
    expect(scryptSpy.mock.calls[0]![3]).toMatchObject({ N: 2 ** 14, r: 8, p: 5 });
  });
});
