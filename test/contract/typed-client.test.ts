/**
 * Clients generated from the served document work: openapi-typescript generates types from
 * GET /api/openapi.json, the TypeScript compiler checks an openapi-fetch journey against them
 * (tools/typed-client/src/journey.ts), a wrong call is refused by the compiler, and the journey runs
 * against the app. A document that loses a schema, a name or a field fails here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_PROOF } from '../api/economy/helpers.js';
import { createTestApp, uniqueEmail, type TestApp } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOOL = join(ROOT, 'tools/typed-client');
const GENERATED = join(TOOL, 'generated/planlyze.d.ts');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface Journey {
  (input: { baseUrl: string; fetch: (request: Request) => Promise<Response>; email: string; password: string; proof: string }): Promise<{
    user: { full_name: string | null };
    analysis: { id: string; status: string };
    listed: { id: string }[];
    payment: { status: string; quantity: number };
  }>;
}

const run = (args: string[]) => {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

let t: TestApp;
beforeAll(async () => {
  // The journey registers and pays at once: without the mailbox step of email verification (SPEC-WAVE2 §11.6).
  t = await createTestApp({ REQUIRE_EMAIL_VERIFICATION: 'false' });
  const dir = mkdtempSync(join(tmpdir(), 'planlyze-openapi-'));
  const documentPath = join(dir, 'openapi.json');
  writeFileSync(documentPath, (await t.request('GET', '/api/openapi.json')).text);
  const generated = run([join(TOOL, 'generate.mjs'), documentPath, GENERATED]);
  expect(generated.output).toBe('');
  expect(generated.status).toBe(0);
});
afterAll(() => t.close());

describe('typed client from the OpenAPI document', () => {
  it('the generated types name the entities', () => {
    const types = readFileSync(GENERATED, 'utf8');
    for (const name of ['User', 'Analysis', 'AnalysisSummary', 'Payment', 'LedgerEntry', 'Notification', 'OverviewSection', 'SectionProgressEvent']) {
      expect(types, name).toContain(`export type Schema${name} = components['schemas']['${name}'];`);
    }
    expect(types).toMatch(/\n {4}login: \{/);
  });

  it('the openapi-fetch journey type-checks against them', () => {
    const checked = run([TSC, '-p', join(TOOL, 'tsconfig.json')]);
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
  });

  it('a wrong call does not compile (the check has teeth)', () => {
    const wrong = join(TOOL, 'generated/wrong-call.ts');
    writeFileSync(
      wrong,
      [
        "import createClient from 'openapi-fetch';",
        "import type { paths } from './planlyze.js';",
        "const api = createClient<paths, 'application/json'>({ baseUrl: 'http://x' });",
        "export const a = api.POST('/api/auth/login', { body: { email: 'a@b.c' } });",
        "export const b = api.GET('/api/analyses/{id}', { params: { path: { id: 'x' } } }).then((r) => r.data?.data.no_such_field);",
      ].join('\n'),
    );
    const checked = run([TSC, '--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2023,dom', '--types', '', wrong]);
    expect(checked.status).not.toBe(0);
    expect(checked.output).toContain("Property 'password' is missing");
    expect(checked.output).toContain("Property 'no_such_field' does not exist");
  });

  it('the journey runs against the app: register → login → create analysis → list → payment', async () => {
    // Imported by path: the project's typecheck must not follow it into types generated at test time.
    const { journey } = (await import(/* @vite-ignore */ join(TOOL, 'src/journey.ts'))) as { journey: Journey };
    const result = await journey({
      baseUrl: 'http://planlyze.test',
      fetch: (request) => Promise.resolve(t.app.request(request, undefined, t.env)),
      email: uniqueEmail('typed'),
      password: 'Password-1',
      proof: PNG_PROOF,
    });
    expect(result.user.full_name).toBe('Typed Client');
    expect(result.analysis.status).toBe('pending');
    expect(result.listed.map((a) => a.id)).toEqual([result.analysis.id]);
    expect(result.payment).toMatchObject({ status: 'pending', quantity: 1 });
  });
});
