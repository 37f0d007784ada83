/**
 * Keys derived from SECRET_KEY (SPEC-WAVE2 §0 §8, §11.2, §11.6) with HKDF-SHA256, one per purpose:
 * - `email-code-v1`: HMAC-SHA256 of one-time codes (only the HMAC is stored);
 * - `email-outbox-v1`: AES-256-GCM of an outbox row's secret variables;
 * - `ip-hash-v1`: HMAC of client IPs stored with a code (never the raw IP).
 * WebCrypto only, so the same code runs on Workers and Node. Keys are derived once per secret.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type KeyUse = 'hmac' | 'aes';
const keyCache = new Map<string, Promise<CryptoKey>>();

function deriveKey(secret: string, info: string, use: KeyUse): Promise<CryptoKey> {
  const cacheKey = `${use}\u0000${info}\u0000${secret}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
      const hkdf = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) };
      return use === 'hmac'
        ? crypto.subtle.deriveKey(hkdf, base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
        : crypto.subtle.deriveKey(hkdf, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    })();
    keyCache.set(cacheKey, key);
  }
  return key;
}

const toHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function hmacHex(secret: string, info: string, message: string): Promise<string> {
  const key = await deriveKey(secret, info, 'hmac');
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/** The stored form of a one-time code: HMAC(purpose:user_id:code). */
export const hashCode = (secret: string, purpose: string, userId: string, code: string) =>
  hmacHex(secret, 'email-code-v1', `${purpose}:${userId}:${code}`);

export const hashIp = (secret: string, ip: string) => hmacHex(secret, 'ip-hash-v1', ip);

/** 6 decimal digits from a CSPRNG, uniform (rejection sampling, no modulo bias). */
export function newSixDigitCode(): string {
  const buffer = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer[0]! < limit) return String(buffer[0]! % 1_000_000).padStart(6, '0');
  }
}

/** AES-256-GCM of a JSON object: base64(iv ‖ ciphertext+tag). */
export async function encryptSecrets(secret: string, values: Record<string, string>): Promise<string> {
  const key = await deriveKey(secret, 'email-outbox-v1', 'aes');
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, encoder.encode(JSON.stringify(values))));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

/** The secret values, or undefined when they cannot be decrypted (e.g. SECRET_KEY was rotated). */
export async function decryptSecrets(secret: string, ciphertext: string): Promise<Record<string, string> | undefined> {
  try {
    const key = await deriveKey(secret, 'email-outbox-v1', 'aes');
    const bytes = fromBase64(ciphertext);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, key, bytes.slice(12));
    const parsed: unknown = JSON.parse(decoder.decode(plain));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
