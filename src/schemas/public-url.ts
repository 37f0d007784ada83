/**
 * What a user-supplied link or image (payment proofs, profile images) may be. An admin opens a
 * payment proof in their browser, so the link must lead to the public internet — never to the admin's
 * own machine or network (loopback, private, link-local, carrier-grade NAT, multicast) — and carries no
 * credentials. An image data URL must hold the image type it declares (its first bytes), not a file of
 * another kind under an image label.
 */

/** Why a link is refused, or undefined when it is acceptable. */
export function unsafeLinkReason(url: URL): string | undefined {
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return isPublicIpv6(host.slice(1, -1)) ? undefined : 'must not point at a loopback, private or link-local address';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return isPublicIpv4(host) ? undefined : 'must not point at a loopback, private or link-local address';
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
    return 'must not point at a local host name';
  }
  if (!host.includes('.')) return 'must name a public host (a domain with a dot)';
  return undefined;
}

/** Blocks (first address, prefix length) that are not the public internet. */
const NON_PUBLIC_V4: [number, number][] = [
  [ip4('0.0.0.0'), 8], // "this network"
  [ip4('10.0.0.0'), 8], // private
  [ip4('100.64.0.0'), 10], // carrier-grade NAT
  [ip4('127.0.0.0'), 8], // loopback
  [ip4('169.254.0.0'), 16], // link-local (cloud metadata lives here)
  [ip4('172.16.0.0'), 12], // private
  [ip4('192.0.0.0'), 24], // IETF protocol assignments
  [ip4('192.168.0.0'), 16], // private
  [ip4('198.18.0.0'), 15], // benchmarking
  [ip4('224.0.0.0'), 4], // multicast
  [ip4('240.0.0.0'), 4], // reserved, broadcast
];

function ip4(dotted: string): number {
  return dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function isPublicIpv4(dotted: string): boolean {
  const n = ip4(dotted);
  return !NON_PUBLIC_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
}

/** The URL parser gives IPv6 hosts in their compressed, lower-case form. */
function isPublicIpv6(address: string): boolean {
  if (address === '::' || address === '::1') return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const dotted = mapped.length === 2 ? mapped[1]! : hexPairToDotted(mapped[1]!, mapped[2]!);
    return isPublicIpv4(dotted);
  }
  const first = parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast ff00::/8
  return true;
}

function hexPairToDotted(high: string, low: string): string {
  const h = parseInt(high, 16);
  const l = parseInt(low, 16);
  return [h >> 8, h & 255, l >> 8, l & 255].join('.');
}

const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  png: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  webp: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
};

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** True when the base64 payload starts with the signature of the declared image type. */
export function imageMatchesType(type: 'png' | 'jpeg' | 'webp', base64: string): boolean {
  // 16 base64 characters are 12 bytes: enough for every signature above.
  const head = base64.slice(0, 16);
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(head.padEnd(Math.ceil(head.length / 4) * 4, '=')), (ch) => ch.charCodeAt(0));
  } catch {
    return false;
  }
  return SIGNATURES[type]!(bytes);
}
