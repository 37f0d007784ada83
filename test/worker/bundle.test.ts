/**
 * The Worker bundle builds with wrangler itself (`wrangler deploy --dry-run --env production`, no
 * account needed), reports its size, and carries none of the Node-only local tooling: no PGlite, no
 * `pg`, nothing from src/local (issue 2 §3: "never bundled into the Worker").
 *
 * Two builds run side by side: the one `wrangler deploy` uploads (as configured, unminified: its
 * module comments name every input) and a `--minify` one for the size it would have minified.
 * Sizes go to the test output and to test-results/worker-bundle-size.json (printed by .ci/run; dist/ is the Node build).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runWrangler, type CommandResult } from './wrangler.js';

interface Build {
  dir: string;
  result: CommandResult;
}

/** Inputs that must never reach the Worker (esbuild metafile paths, relative to the project). */
const FORBIDDEN_INPUTS = [
  /^src\/local\//,
  /^test\//,
  /(^|\/)node_modules\/@electric-sql\//,
  /(^|\/)node_modules\/pg(-[a-z0-9-]+)?\//, // pg, pg-pool, pg-protocol, pg-types, pg-int8…
  /(^|\/)node_modules\/pgpass\//,
  /(^|\/)node_modules\/@hono\/node-server\//,
];
/** Text that only those would bring (the unminified bundle keeps names and `// path` comments). */
const FORBIDDEN_TEXT = ['PGlite', 'node_modules/@electric-sql/', 'node_modules/pg/', 'node_modules/pg-', 'src/local/', 'createSqlEndpoint', 'openPgBackend'];

const scratch = mkdtempSync(join(tmpdir(), 'planlyze-bundle-'));
let deploy: Build;
let minified: Build;

async function build(name: string, extra: string[]): Promise<Build> {
  const dir = join(scratch, name);
  const result = await runWrangler(['deploy', '--dry-run', '--env', 'production', '--outdir', dir, '--metafile', ...extra]);
  return { dir, result };
}

function modules(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.(m?js|cjs|wasm)$/.test(f));
}

function sizes(dir: string) {
  let raw = 0;
  let gzip = 0;
  for (const file of modules(dir)) {
    const bytes = readFileSync(join(dir, file));
    raw += statSync(join(dir, file)).size;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

beforeAll(async () => {
  [deploy, minified] = await Promise.all([build('deploy', []), build('minified', ['--minify'])]);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Worker bundle (wrangler deploy --dry-run)', () => {
  it('builds without an account or network', () => {
    for (const b of [deploy, minified]) {
      expect(b.result.code, b.result.output).toBe(0);
      expect(b.result.output).toContain('--dry-run: exiting now.');
      expect(modules(b.dir).length).toBeGreaterThan(0);
    }
  });

  it('reports its size (raw and gzip)', () => {
    const report = {
      deploy: sizes(deploy.dir),
      minified: sizes(minified.dir),
      wranglerSays: {
        deploy: /Total Upload: [^\n]*/.exec(deploy.result.output)?.[0] ?? null,
        minified: /Total Upload: [^\n]*/.exec(minified.result.output)?.[0] ?? null,
      },
      buildMs: { deploy: deploy.result.ms, minified: minified.result.ms },
    };
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results', 'worker-bundle-size.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.info(
      `Worker bundle: ${kib(report.deploy.raw)} raw / ${kib(report.deploy.gzip)} gzip as deployed; ` +
        `minified ${kib(report.minified.raw)} / ${kib(report.minified.gzip)} gzip ` +
        `(wrangler: ${report.wranglerSays.deploy}; built in ${report.buildMs.deploy} ms)`,
    );
    // Cloudflare's limits: 3 MiB gzip on the free plan, 10 MiB on paid.
    expect(report.deploy.gzip).toBeLessThan(3 * 1024 * 1024);
    expect(report.minified.raw).toBeLessThan(report.deploy.raw);
  });

  it('contains no PGlite, no pg, nothing from src/local (metafile inputs)', () => {
    for (const b of [deploy, minified]) {
      const meta = JSON.parse(readFileSync(join(b.dir, 'bundle-meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
      const inputs = Object.keys(meta.inputs);
      expect(inputs).toContain('src/index.ts');
      expect(inputs.some((i) => i.startsWith('node_modules/@neondatabase/serverless/'))).toBe(true);
      expect(inputs.filter((i) => FORBIDDEN_INPUTS.some((pattern) => pattern.test(i)))).toEqual([]);
    }
  });

  it('contains no PGlite, no pg, nothing from src/local (bundle text)', () => {
    const text = modules(deploy.dir)
      .map((file) => readFileSync(join(deploy.dir, file), 'utf8'))
      .join('\n');
    expect(text).toContain('// src/index.ts'); // the check below is meaningful only with module comments
    expect(FORBIDDEN_TEXT.filter((needle) => text.includes(needle))).toEqual([]);
  });
});
