/**
 * Client IPs are stored only as HMAC-SHA256 keyed from SECRET_KEY (SPEC-WAVE2 §0 §8, §14.1, §0.1 for
 * request logs): equal IPs give equal hashes, so limits and filters work, but the raw address cannot be
 * read back without the key. WebCrypto, so the same code runs on Workers and Node.
 */
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const material = new TextEncoder().encode(`planlyze:ip-hash:${secret}`);
    key = crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

/** Recent results: a busy client's requests are logged under one hash computed once. Bounded. */
const MAX_CACHED = 2048;
const recent = new Map<string, string>();

/** Lower-case hex of HMAC-SHA256(ip), keyed from the application secret. */
export async function hashIp(secret: string, ip: string): Promise<string> {
  const cacheKey = `${secret}\u0000${ip}`;
  const cached = recent.get(cacheKey);
  if (cached) return cached;
  const signature = await crypto.subtle.sign('HMAC', await keyFor(secret), new TextEncoder().encode(ip));
  const hash = Array.from(new Uint8Array(signature), (b) => b.toString(16).padStart(2, '0')).join('');
  if (recent.size >= MAX_CACHED) recent.clear();
  recent.set(cacheKey, hash);
  return hash;
}
