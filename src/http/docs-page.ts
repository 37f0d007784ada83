/**
 * GET /api/docs: the interactive API reference (Scalar), and GET /api/docs/scalar.js: Scalar's bundle
 * served by the app itself when it is installed (development on Node), so the page works offline.
 *
 * - One exact Scalar version, loaded with a Subresource Integrity hash: the browser runs those bytes
 *   or nothing, whatever the CDN serves. jsDelivr serves npm files byte for byte, so the hash of the
 *   installed file is the hash of the CDN's (bumping: install the new exact version, then
 *   `openssl dgst -sha384 -binary node_modules/@scalar/api-reference/dist/browser/standalone.js | openssl base64 -A`).
 * - A Content-Security-Policy for that page: scripts only from the app (the local bundle) or that one
 *   CDN URL, data only from the app, no frames, no forms to elsewhere.
 * - The Worker has no node_modules: it always points at the CDN. The Node entry (src/node.ts) installs a
 *   source for the local bundle (src/local/scalar-bundle.ts); the page uses it only when its bytes match
 *   the pinned hash, so both variants run the very same code.
 */
import type { Context } from 'hono';
import { AppError } from '../errors.js';

/** Pinned: the newest 1.x whose `engines` accepts Node 20 (1.47+ wants Node 22: EBADENGINE on `npm ci`). */
export const SCALAR_VERSION = '1.46.4';
/** The file inside the package (its `browser` entry): a standalone script that needs nothing else. */
export const SCALAR_FILE = 'dist/browser/standalone.js';
export const SCALAR_CDN_URL = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/${SCALAR_FILE}`;
/** sha384 of that file (SRI). test/proof/docs-page.test.ts checks it against the installed package. */
export const SCALAR_INTEGRITY = 'sha384-BbTs28WithFYxTDCiH0YPK5tv3MflhBVpABoMjfb9UqXa/hegSE9I4THoddKejMF';
export const LOCAL_SCALAR_PATH = '/api/docs/scalar.js';

/** Reads the installed bundle's bytes; null when the package is not installed. */
export type ScalarBundleSource = () => Promise<Uint8Array | null>;

let source: ScalarBundleSource | null = null;
let loaded: Promise<Uint8Array | null> | null = null;

/** Installed by the Node entry (and tests); null removes it. */
export function setScalarBundleSource(next: ScalarBundleSource | null): void {
  source = next;
  loaded = null;
}

/** The local bundle when one is installed AND has the pinned bytes (read once, then kept). */
function localBundle(): Promise<Uint8Array | null> {
  if (!source) return Promise.resolve(null);
  loaded ??= source()
    .then(async (bytes) => (bytes && (await integrityOf(bytes)) === SCALAR_INTEGRITY ? bytes : null))
    .catch(() => null);
  return loaded;
}

async function integrityOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `sha384-${btoa(binary)}`;
}

/** The page's policy: Scalar injects its styles inline; fonts, images and data come from the app only. */
export function docsContentSecurityPolicy(scriptSource: string): string {
  return [
    "default-src 'none'",
    `script-src ${scriptSource}`,
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Scalar's options: no "Ask AI" agent (it searches Scalar's registry through proxy.scalar.com), no
 * telemetry, no web fonts from fonts.scalar.com (system fonts): the page talks to this API only.
 */
const SCALAR_CONFIGURATION = { agent: { disabled: true }, telemetry: false, withDefaultFonts: false } as const;

export function docsPage(specUrl: string, scriptUrl: string): string {
  const configuration = JSON.stringify({ url: specUrl, ...SCALAR_CONFIGURATION }).replaceAll('"', '&quot;');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Planlyze API reference</title>
</head>
<body>
  <noscript>The interactive reference needs JavaScript. The raw document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
  <script id="api-reference" type="application/json" data-url="${specUrl}" data-configuration="${configuration}"></script>
  <script src="${scriptUrl}" integrity="${SCALAR_INTEGRITY}" crossorigin="anonymous"></script>
</body>
</html>`;
}

/** GET /api/docs */
export async function serveDocsPage(c: Context): Promise<Response> {
  const local = (await localBundle()) !== null;
  const scriptUrl = local ? `${LOCAL_SCALAR_PATH}?v=${SCALAR_VERSION}` : SCALAR_CDN_URL;
  c.header('Content-Security-Policy', docsContentSecurityPolicy(local ? "'self'" : SCALAR_CDN_URL));
  c.header('Cache-Control', 'no-cache');
  return c.html(docsPage('/api/openapi.json', scriptUrl));
}

/** GET /api/docs/scalar.js: the pinned bundle from node_modules, or 404 where it is not installed (Workers, production installs). */
export async function serveScalarBundle(c: Context): Promise<Response> {
  const bytes = await localBundle();
  if (!bytes) throw new AppError('NOT_FOUND');
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/javascript; charset=utf-8',
    'Cache-Control': 'public, max-age=86400',
  });
}
