/**
 * Writes the Worker's static assets (wrangler.toml `[build]` runs it before every `wrangler deploy` and
 * `wrangler dev`): the OpenAPI document, generated on Node from the very app the Worker runs, at the path
 * the API serves it (`/api/openapi.json`), plus a `_headers` file for it. Cloudflare serves an asset
 * before invoking the Worker, so the Worker bundle needs neither the document builder nor the reference
 * prose (issue 10 §2: ≈ 12 KiB gzip). test/worker/dev-server.test.ts checks that `wrangler dev` serves
 * exactly what the Node app builds.
 *
 *   npm run build:worker-assets            → .wrangler/worker-assets/
 *
 * The folder lives under wrangler's own (git-ignored) `.wrangler/`, not `dist/`: `npm run build` empties `dist/`,
 * and the Node deployment ships `dist/` — neither should touch the Worker's assets.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { APP_VERSION } from '../src/version.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '.wrangler', 'worker-assets');

/**
 * The headers that matter for a public static JSON document: any origin may read it (it holds no secrets and
 * is fetched without credentials, e.g. by a client generator or a docs page elsewhere), never sniffed.
 */
const HEADERS = `/api/openapi.json
  Access-Control-Allow-Origin: *
  X-Content-Type-Options: nosniff
  Cache-Control: public, max-age=300
`;

/**
 * Each file is written to a scratch file OUTSIDE the assets folder (a build killed mid-write must leave nothing
 * there that a deploy would publish) and renamed over its place: builds may run side by side (the bundle test
 * runs two `wrangler deploy --dry-run` at once), and a reader never sees a half-written file.
 */
function writeAtomically(relative: string, text: string): void {
  const path = join(OUT, relative);
  mkdirSync(dirname(path), { recursive: true });
  const scratch = join(dirname(OUT), `.worker-asset-${process.pid}-${relative.replace(/\W/g, '_')}.tmp`);
  writeFileSync(scratch, text);
  renameSync(scratch, path);
}

const document = JSON.stringify(buildOpenApiDocument(createApp(), { version: APP_VERSION }));
writeAtomically('api/openapi.json', document);
writeAtomically('_headers', HEADERS);
console.log(`worker assets: ${OUT} (openapi.json ${(document.length / 1024).toFixed(0)} KiB)`);
