/**
 * Issue 6 §1: the docs page (GET /api/docs), opened in real headless Chromium, renders the API
 * reference from GET /api/openapi.json. The app is served on a local port; the page's HTML is exactly
 * what production serves. Its one external script (Scalar's standalone bundle on a CDN) is answered
 * from node_modules (@scalar/api-reference, a devDependency pinned to the CDN's major version), and
 * every other non-localhost request is blocked, so the test needs no network.
 *
 * Needs Debian's chromium at /usr/bin/chromium (or CHROMIUM_PATH); .ci/run installs it. Without it
 * the test fails under CI and is skipped, with a message, elsewhere. A full-page screenshot is
 * written to test-results/docs-page.png (gitignored) and its path printed.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketAddresses } from '../../src/http/context.js';
import { createTestApp, type TestApp } from '../support/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = Boolean(process.env.CI);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = join(ROOT, 'test-results', 'docs-page.png');
const SCREENSHOT_TOP = join(ROOT, 'test-results', 'docs-page-top.png');
// The flags this machine's Chromium needs (no GPU, closed network). Playwright adds --headless and
// --no-sandbox itself, and launch() gives every browser a new, empty --user-data-dir of its own.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RENDER_TIMEOUT_MS = 30_000;

/** Scalar's standalone browser bundle (the package's `browser` entry, which the CDN serves). */
function scalarBundle(): { file: string; version: string } {
  const require = createRequire(import.meta.url);
  // The package's exports do not include package.json: go from its main entry (dist/index.js) up.
  const packageDir = resolve(dirname(require.resolve('@scalar/api-reference')), '..');
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string; browser: string };
  return { file: join(packageDir, pkg.browser), version: pkg.version };
}

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(`docs-page: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH). CI runs it.`);
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('docs page in headless Chromium', () => {
  let t: TestApp;
  let server: ServerType | undefined;
  let origin = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    t = await createTestApp();
    origin = await new Promise<string>((resolveOrigin) => {
      server = serve(
        {
          port: 0,
          hostname: '127.0.0.1',
          fetch: (request, info: { incoming?: { socket?: { remoteAddress?: string } } }) => {
            const address = info?.incoming?.socket?.remoteAddress;
            if (address) socketAddresses.set(request, address.replace(/^::ffff:/, ''));
            return t.app.fetch(request, t.env);
          },
        },
        (addr: AddressInfo) => resolveOrigin(`http://127.0.0.1:${addr.port}`),
      );
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    await t?.close();
  });

  it('renders the API reference from /api/openapi.json, with no page errors', { timeout: 90_000 }, async () => {
    expect(HAVE_CHROMIUM, `no Chromium at ${CHROMIUM}: CI must install Debian's chromium (.ci/run does)`).toBe(true);
    const started = Date.now();

    const spec = (await (await fetch(`${origin}/api/openapi.json`)).json()) as {
      info: { title: string };
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    const summaries = [
      spec.paths['/api/auth/login']?.post?.summary,
      spec.paths['/api/auth/register']?.post?.summary,
      spec.paths['/api/analyses']?.get?.summary,
      spec.paths['/api/health']?.get?.summary,
    ];
    expect(summaries.every((s) => typeof s === 'string' && s.length > 0), JSON.stringify(summaries)).toBe(true);

    // The page as production serves it, and the CDN script it loads.
    const html = await (await fetch(`${origin}/api/docs`)).text();
    const scriptUrls = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scriptUrls).toHaveLength(1);
    const cdnUrl = scriptUrls[0]!;
    const cdnMajor = /@scalar\/api-reference@(\d+)/.exec(cdnUrl)?.[1];
    const bundle = scalarBundle();
    expect(cdnMajor, `the docs page loads ${cdnUrl}; the devDependency is ${bundle.version}`).toBe(bundle.version.split('.')[0]);
    const bundleBody = readFileSync(bundle.file);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: RENDER_TIMEOUT_MS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
    const page = await context.newPage();

    const served: string[] = [];
    const blocked: { url: string; type: string }[] = [];
    await context.route('**/*', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      if (request.url() === cdnUrl) {
        served.push(request.url());
        return route.fulfill({ status: 200, contentType: 'application/javascript; charset=utf-8', body: bundleBody });
      }
      if (url.origin === origin || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      blocked.push({ url: request.url(), type: request.resourceType() });
      return route.abort('blockedbyclient');
    });

    const pageErrors: string[] = [];
    const consoleErrors: { text: string; url: string }[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url });
    });

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    try {
      const response = await page.goto(`${origin}/api/docs`, { waitUntil: 'load', timeout: RENDER_TIMEOUT_MS });
      expect(response?.status()).toBe(200);
      expect(await response?.text()).toBe(html);

      // The document's title, rendered as the reference's heading.
      await page.getByRole('heading', { name: spec.info.title, exact: true }).first().waitFor({ state: 'visible', timeout: RENDER_TIMEOUT_MS });

      // Operations by their summaries: in the sidebar once their tag groups are opened (system is open
      // at first), and each one's own section (a heading with its summary) once it is clicked there.
      const sidebar = page.getByRole('complementary').first();
      for (const tag of ['auth', 'analyses']) await sidebar.getByRole('button', { name: `Open Group - ${tag}`, exact: true }).click();
      for (const summary of summaries) {
        const entry = sidebar.getByText(summary!, { exact: true }).first();
        await entry.waitFor({ state: 'visible', timeout: RENDER_TIMEOUT_MS });
        await entry.click();
        await page.getByRole('heading', { name: summary!, exact: true }).first().waitFor({ state: 'visible', timeout: RENDER_TIMEOUT_MS });
      }

      // Scroll through the whole reference (its sections render as they come into view), then back up.
      for (let i = 0; i < 200; i++) {
        // (An expression string: this project's TypeScript has no DOM types.)
        const atEnd = await page.evaluate<boolean>(
          'window.scrollBy(0, window.innerHeight), window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2',
        );
        await page.waitForTimeout(40);
        if (atEnd) break;
      }
      await page.evaluate('window.scrollTo(0, 0)');
      await page.waitForLoadState('networkidle', { timeout: RENDER_TIMEOUT_MS });
    } catch (error) {
      // What the page showed when it went wrong, and what it complained of.
      await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {});
      console.error(`docs-page: failed; screenshot ${SCREENSHOT}`, JSON.stringify({ pageErrors, consoleErrors, blocked }, null, 1));
      throw error;
    }
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.screenshot({ path: SCREENSHOT_TOP });
    console.log(`docs-page: screenshots ${SCREENSHOT} (full page) and ${SCREENSHOT_TOP} (first screen), rendered in ${Date.now() - started} ms`);

    expect(served, 'the CDN script, answered from node_modules').toEqual([cdnUrl]);
    expect(pageErrors).toEqual([]);
    // Scalar's web fonts (fonts.scalar.com) are the only other requests; blocked, the page falls back
    // to system fonts, and Chromium logs one console error for each.
    expect(blocked.filter((b) => b.type !== 'font'), 'requests other than fonts leaving localhost').toEqual([]);
    const blockedFonts = new Set(blocked.filter((b) => b.type === 'font').map((b) => b.url));
    expect(consoleErrors.filter((e) => !blockedFonts.has(e.url))).toEqual([]);
  });
});
