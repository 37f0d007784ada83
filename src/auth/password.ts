/**
 * Password hashing that runs unchanged on Cloudflare Workers (nodejs_compat) and on Node.
 *
 * scrypt through `node:crypto`, parameters stored in the hash (PHC-like) so they can be raised later:
 *   $scrypt$ln=14,r=8,p=5$<salt, base64 without padding>$<key, base64 without padding>
 * Hashes made by the earlier Flask app (bcrypt `$2a$`/`$2b$`/`$2y$`) still verify, through bcryptjs,
 * and always ask for a re-hash so imported users move to scrypt on their next login.
 *
 * Measured cost of ONE hash with PRODUCTION_SCRYPT (N=2^14, r=8, p=5):
 *   - Node 20.20, 2-core dev machine (shared, so noisy): 147–280 ms, median ≈ 195 ms over 15 runs;
 *     verify is the same work (≈ 150 ms). For scale: ln=14,r=8,p=1 ≈ 32 ms; a bcrypt `$2b$12$` compare ≈ 550 ms.
 *   - workerd (wrangler 4.86 dev, nodejs_compat): ≈ 130 ms per hash or verify (186 ms on a cold first call);
 *     bcrypt `$2b$12$` compare ≈ 290 ms.
 *   - TEST_SCRYPT (ln=10, r=8, p=1): ≈ 2 ms on Node.
 * That CPU time is above the Workers free plan's 10 ms limit: production on Workers needs the paid plan.
 */
import { Buffer } from 'node:buffer';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { compare as bcryptCompare } from 'bcryptjs';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N */
  ln: number;
  /** block size */
  r: number;
  /** parallelisation */
  p: number;
}

export interface VerifyResult {
  ok: boolean;
  /** true when the password is right but the stored hash is weaker than today's target (or bcrypt). */
  needsRehash: boolean;
}

/** OWASP-listed scrypt setting (SPEC §10 "Runtime and start-up"). */
export const PRODUCTION_SCRYPT: Readonly<ScryptParams> = Object.freeze({ ln: 14, r: 8, p: 5 });
/** Cheap setting for APP_ENV=test only, so the suite stays fast; the config module decides which one applies. */
export const TEST_SCRYPT: Readonly<ScryptParams> = Object.freeze({ ln: 10, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds on parameters read from a stored hash. Hashes come from our own database, but a crafted or
// corrupted row must not be able to pin a Worker's CPU or exceed its 128 MB memory: anything outside
// these bounds is treated as malformed. 128·N·r is scrypt's memory; N·r·p is proportional to its CPU work
// (production is 2^14·8·5 ≈ 2^19.3, so the work cap leaves room for a few future raises).
const MAX_LN = 20;
const MAX_R = 16;
const MAX_P = 16;
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_WORK = 2 ** 22;
// Salt and key lengths we accept when reading (we write 16 and 32); bounded so decoding stays trivial.
const MIN_STORED_BYTES = 16;
const MAX_STORED_BYTES = 64;
// bcrypt costs above this are refused for the same CPU reason (the Flask app used 12; each +1 doubles the cost).
const MAX_BCRYPT_COST = 14;

const SCRYPT_FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const BCRYPT_FORMAT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Hashes a password with scrypt; the result carries its own parameters and salt. */
export async function hashPassword(
  password: string,
  params: Readonly<ScryptParams> = PRODUCTION_SCRYPT,
): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  if (!paramsAreSane(params)) throw new RangeError('scrypt parameters out of range');
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(password, salt, KEY_BYTES, params);
  return formatScrypt(params, salt, key);
}

/**
 * Checks a password against a stored hash (ours or a legacy bcrypt one). Never throws: a malformed or
 * unsupported stored value is simply `{ ok: false }`, so a bad row cannot turn a login into a 500.
 * `target` is the setting new hashes use today; a correct password on a weaker hash asks for a re-hash.
 */
export async function verifyPassword(
  password: string,
  stored: string,
  target: Readonly<ScryptParams> = PRODUCTION_SCRYPT,
): Promise<VerifyResult> {
  if (typeof password !== 'string' || typeof stored !== 'string') return FAILED;
  try {
    if (stored.startsWith('$scrypt$')) return await verifyScrypt(password, stored, target);
    if (stored.startsWith('$2')) return await verifyBcrypt(password, stored);
  } catch {
    // node:crypto / bcryptjs errors on odd input end here; the caller only needs "not verified".
    return FAILED;
  }
  // Any other value (`!unset` for imported users without a usable password, SPEC-WAVE2 §16.1) never
  // matches, and still costs one scrypt so the response time does not tell such accounts apart.
  return dummyVerify(password, target);
}

/**
 * For a login with an unknown email: does the same scrypt work as a real verification, so the response
 * time does not reveal whether the account exists. The stored value is random bytes that no known
 * password hashes to; the result is always `{ ok: false }`. Pass the same params new hashes use.
 * (An imported account still on bcrypt costs more until its first login re-hashes it; that gap closes itself.)
 */
export async function dummyVerify(
  password: string,
  params: Readonly<ScryptParams> = PRODUCTION_SCRYPT,
): Promise<VerifyResult> {
  const stored = `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${DUMMY_SALT}$${DUMMY_KEY}`;
  await verifyPassword(typeof password === 'string' ? password : '', stored, params);
  return FAILED;
}

const FAILED: VerifyResult = Object.freeze({ ok: false, needsRehash: false });
const DUMMY_SALT = 'uhYT0nojinUl0biJ6UWdcQ';
const DUMMY_KEY = 'THOrkOLR+xng1qh6yDff7qgDBF3U5ikeVmzSINU/iMs';

async function verifyScrypt(
  password: string,
  stored: string,
  target: Readonly<ScryptParams>,
): Promise<VerifyResult> {
  const parsed = parseScrypt(stored);
  if (!parsed) return FAILED;
  const { params, salt, key } = parsed;
  const candidate = await deriveKey(password, salt, key.length, params);
  // Lengths are equal by construction (keylen = stored key length), which timingSafeEqual requires.
  if (!timingSafeEqual(candidate, key)) return FAILED;
  const needsRehash =
    params.ln < target.ln ||
    params.r < target.r ||
    params.p < target.p ||
    salt.length < SALT_BYTES ||
    key.length < KEY_BYTES;
  return { ok: true, needsRehash };
}

async function verifyBcrypt(password: string, stored: string): Promise<VerifyResult> {
  const match = BCRYPT_FORMAT.exec(stored);
  if (!match) return FAILED;
  const cost = Number(match[1]);
  if (cost < 4 || cost > MAX_BCRYPT_COST) return FAILED;
  // The raw password, not normalised: that is what the Flask app hashed.
  const ok = await bcryptCompare(password, stored);
  return { ok, needsRehash: ok };
}

function parseScrypt(
  stored: string,
): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const match = SCRYPT_FORMAT.exec(stored);
  if (!match) return null;
  const [, ln, r, p, saltText, keyText] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (!paramsAreSane(params)) return null;
  const salt = decodeStrictBase64(saltText ?? '');
  const key = decodeStrictBase64(keyText ?? '');
  if (!salt || !key) return null;
  return { params, salt, key };
}

/** Accepts only the canonical unpadded encoding, so one hash has exactly one spelling. */
function decodeStrictBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < MIN_STORED_BYTES || bytes.length > MAX_STORED_BYTES) return null;
  return encodeBase64(bytes) === text ? bytes : null;
}

function paramsAreSane({ ln, r, p }: Readonly<ScryptParams>): boolean {
  if (![ln, r, p].every(Number.isInteger)) return false;
  if (ln < 1 || ln > MAX_LN || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return false;
  const n = 2 ** ln;
  return 128 * n * r <= MAX_MEMORY_BYTES && n * r * p <= MAX_WORK;
}

function formatScrypt({ ln, r, p }: Readonly<ScryptParams>, salt: Buffer, key: Buffer): string {
  return `$scrypt$ln=${ln},r=${r},p=${p}$${encodeBase64(salt)}$${encodeBase64(key)}`;
}

function encodeBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function deriveKey(
  password: string,
  salt: Buffer,
  keyLength: number,
  { ln, r, p }: Readonly<ScryptParams>,
): Promise<Buffer> {
  const N = 2 ** ln;
  // NFKC (NIST SP 800-63B §5.1.1.2) so the same password typed through different keyboards or input
  // methods (composed vs decomposed letters, Arabic presentation forms, full-width digits) hashes alike.
  const secret = Buffer.from(password.normalize('NFKC'), 'utf8');
  // scrypt needs about 128·N·r (V) + 128·r·p (B) bytes; OpenSSL (Node) and BoringSSL (workerd) count
  // slightly differently, so allow 128·r·(N + p + 2) plus 1 MiB. Node's default (32 MiB) would refuse
  // raised parameters with an opaque error; an explicit limit keeps the failure mode under our control.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    // The async form: on Node it runs on the libuv pool instead of blocking the event loop.
    scrypt(secret, salt, keyLength, { N, r, p, maxmem }, (error, derived) => {
      if (error) reject(error);
      else resolve(derived);
    });
  });
}
