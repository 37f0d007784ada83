/**
 * Clients generated from the served document work: openapi-typescript generates types from
 * GET /api/openapi.json, the TypeScript compiler checks an openapi-fetch journey against them
 * (tools/typed-client/src/journey.ts), a wrong call is refused by the compiler, and the journey runs
 * against the app. A document that loses a schema, a name or a field fails here.
 *
 * And `hc<AppType>` (hono/client) types the routes whose handlers answer a hand-built Response (catalog reads
 * with ETag/304, the AI routes that can stream; http/typed-response.ts): the project's compiler checks a usage
 * file against AppType, and refuses a wrong one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/** What `hc<AppType>` gives for the catalog reads and the AI routes: exact types, not `unknown` and not `any`. */
const HC_USAGE = `
import { hc } from 'hono/client';
import type { ExtractSchema } from 'hono/types';
import type { AppType } from '../../../../src/app.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Item<L> = L extends readonly (infer I)[] ? I : never;
type Envelope = 'success' | 'message' | 'data' | 'timestamp';

// No route of AppType answers an untyped body (a handler returning a plain Response gives hc the output {}).
type Routes = ExtractSchema<AppType>;
type Untyped<O> = O extends unknown ? (unknown extends O ? true : [keyof O] extends [never] ? true : false) : never;
type UntypedRoutes = { [P in keyof Routes]: { [M in keyof Routes[P]]: Routes[P][M] extends { output: infer O } ? (true extends Untyped<O> ? \`\${M & string} \${P & string}\` : never) : never }[keyof Routes[P]] }[keyof Routes];
export type EveryRouteTyped = Expect<Equal<UntypedRoutes, never>>;

const client = hc<AppType>('http://planlyze.test');

export async function catalogReads() {
  const packages = await client.api['credit-packages'].$get({ query: { currency: 'EUR' } });
  const list = await packages.json();
  const credits: number = (await (await client.api['credit-packages'].$get({ query: {} })).json()).data[0]!.credits;
  const one = await (await client.api['credit-packages'][':id'].$get({ param: { id: 'x' }, query: {} })).json();
  const methods = await (await client.api['payment-methods'].$get({ query: {} })).json();
  const method = await (await client.api['payment-methods'][':id'].$get({ param: { id: 'x' }, query: {} })).json();
  const settings = await (await client.api.settings.$get()).json();
  const currencies = await (await client.api.currencies.$get({ query: {} })).json();
  const currency = await (await client.api.currencies[':id'].$get({ param: { id: 'x' }, query: {} })).json();
  const partners = await (await client.api.partners.$get({ query: {} })).json();
  const social = await (await client.api['social-media'].$get({ query: {} })).json();
  const stats = await (await client.api['landing-stats'].$get()).json();
  const notModified = packages.status === 304 ? await packages.text() : undefined;
  type Checks = [
    Expect<Equal<typeof packages.status, 200 | 304>>,
    Expect<Equal<typeof notModified, '' | undefined>>,
    Expect<Equal<keyof typeof list, Envelope | 'pagination'>>,
    Expect<Equal<typeof list.success, true>>,
    Expect<Equal<typeof credits, number>>,
    Expect<Equal<Item<typeof list.data>['credits'], number>>,
    Expect<Equal<NonNullable<Item<typeof list.data>['price_in_currency']>['amount_minor'], number>>,
    Expect<Equal<typeof list.pagination.total, number>>,
    Expect<Equal<keyof typeof one, Envelope>>,
    Expect<Equal<typeof one.data.price_usd, number>>,
    Expect<Equal<Item<typeof methods.data>['id'], string>>,
    Expect<Equal<typeof method.data.is_active, boolean>>,
    Expect<Equal<typeof settings.data.premium_report_cost, number>>,
    Expect<Equal<Item<typeof currencies.data>['code'], string>>,
    Expect<Equal<typeof currency.data.decimals, number>>,
    Expect<Equal<keyof typeof partners, Envelope | 'pagination'>>,
    Expect<Equal<Item<typeof partners.data>['id'], string>>,
    Expect<Equal<Item<typeof social.data>['url'], string>>,
    Expect<Equal<typeof stats.data.users_count, number>>,
  ];
}

export async function aiRoutes() {
  const generated = await client.api.ai['generate-analysis'].$post({ json: { analysis_id: 'x' } });
  const analysis = (await generated.json()).data;
  const chat = await client.api.ai.chat.$post({ json: { message: 'hi' } });
  const reply = await chat.json();
  type Checks = [
    Expect<Equal<typeof generated.status, 200>>,
    Expect<Equal<typeof analysis['id'], string>>, // never null: an analysis deleted meanwhile is a 404
    Expect<Equal<Awaited<ReturnType<typeof generated.text>>, string>>,
    Expect<Equal<keyof typeof reply, Envelope>>,
    Expect<Equal<typeof reply.data.message.content, string>>,
    Expect<Equal<typeof reply.data.usage.output_tokens, number>>,
  ];
}
`;

const HC_WRONG = `
import { hc } from 'hono/client';
import type { AppType } from '../../../../src/app.js';

const client = hc<AppType>('http://planlyze.test');
export const a = client.api['credit-packages'].$get({ query: {} }).then((r) => r.json()).then((b) => b.data[0]?.no_such_field);
export const b = client.api.ai.chat.$post({ json: { message: 'hi' } }).then((r) => r.json()).then((b) => b.data.no_such_reply);
export const c = client.api['landing-stats'].$get().then((r) => r.json()).then((b) => b.data.users_count.toUpperCase());
`;

describe('typed client from AppType (hono/client)', () => {
  it('catalog reads and the AI routes are typed; a wrong use does not compile (the check has teeth)', () => {
    const dir = join(TOOL, 'generated/hc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'usage.ts'), HC_USAGE);
    writeFileSync(join(dir, 'wrong.ts'), HC_WRONG);
    // The project's own compiler options (strict, noUncheckedIndexedAccess …), on these two files and what they import.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../../tsconfig.json', include: [], files: ['usage.ts', 'wrong.ts'] }));
    const checked = run([TSC, '-p', join(dir, 'tsconfig.json')]);
    const errors = checked.output.split('\n').filter((line) => / error TS\d+/.test(line));
    expect(errors.filter((line) => !line.includes('generated/hc/wrong.ts'))).toEqual([]);
    expect(checked.status).not.toBe(0);
    expect(checked.output).toContain("Property 'no_such_field' does not exist");
    expect(checked.output).toContain("Property 'no_such_reply' does not exist");
    expect(checked.output).toContain("Property 'toUpperCase' does not exist on type 'number'");
    expect(errors).toHaveLength(3);
  }, 120_000);
});
