/**
 * Writes the Worker's static assets (wrangler.toml `[build]` runs it before every `wrangler deploy` and
 * `wrangler dev`): the OpenAPI document, generated on Node from the very app the Worker runs, at the path
 * the API serves it (`/api/openapi.json`), plus a `_headers` file for it. Cloudflare serves an asset
 * before invoking the Worker, so the Worker bundle needs neither the document builder nor the reference
 * prose (issue 10 §2: ≈ 12 KiB gzip). test/worker/runtime.test.ts checks that `wrangler dev` serves
 * exactly what the Node app builds.
 *
 *   npm run build:worker-assets            → dist/worker-assets/
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { buildOpenApiDocument } from '../src/http/openapi.js';
import { APP_VERSION } from '../src/version.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'worker-assets');

/** The headers the app's own route would send that matter for a static JSON document. */
const HEADERS = `/api/openapi.json
  X-Content-Type-Options: nosniff
  Cache-Control: public, max-age=300
`;

/**
 * Each file is written beside its place and renamed over it: builds may run side by side (the bundle test
 * runs two `wrangler deploy --dry-run` at once), and a reader never sees a half-written file.
 */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const scratch = `${path}.${process.pid}.tmp`;
  writeFileSync(scratch, text);
  renameSync(scratch, path);
}

const document = JSON.stringify(buildOpenApiDocument(createApp(), { version: APP_VERSION }));
writeAtomically(join(OUT, 'api', 'openapi.json'), document);
writeAtomically(join(OUT, '_headers'), HEADERS);
console.log(`worker assets: ${OUT} (openapi.json ${(document.length / 1024).toFixed(0)} KiB)`);
