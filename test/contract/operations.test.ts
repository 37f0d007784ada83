/**
 * Every operation of the document is one a client can build on: a describe() with an operationId
 * (camelCase, unique), a description and declared tags; public ones say `security: []`; every one that
 * takes input documents its 4xx. Routes added without an operationId are listed by method and path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { buildOpenApiDocument, collectRoutes } from '../../src/http/openapi.js';
import { OPERATION_DESCRIPTIONS } from '../../src/http/operation-docs.js';
import { TAGS } from '../../src/http/route-meta.js';
import { createTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.request('GET', '/api/openapi.json')).body;
});
afterAll(() => t.close());

const operations = () =>
  Object.entries<any>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );

/** Routes that take no input and answer no 4xx: an honest document lists none for them. */
const NO_CLIENT_ERRORS = ['GET /api', 'GET /api/health', 'GET /api/settings', 'GET /api/landing-stats', 'GET /api/openapi.json', 'GET /api/docs'];

describe('operations', () => {
  it('every route has describe() with an operationId, and a description in src/http/operation-docs.ts', () => {
    const routes = collectRoutes(createApp());
    const missing = routes
      .filter((r) => !r.describe?.operationId || !OPERATION_DESCRIPTIONS[r.describe.operationId]?.trim())
      .map((r) => `${r.method} ${r.path}: ${!r.describe ? 'no describe()' : !r.describe.operationId ? 'no operationId' : `no description for ${r.describe.operationId}`}`);
    expect(missing, `operations to complete:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every description in src/http/operation-docs.ts belongs to an operation (none left behind by a rename)', () => {
    const ids = new Set(collectRoutes(createApp()).map((r) => r.describe?.operationId));
    expect(Object.keys(OPERATION_DESCRIPTIONS).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('operationIds are camelCase and unique', () => {
    const ids = operations().map(({ key, op }) => ({ key, id: op.operationId as string }));
    const malformed = ids.filter(({ id }) => !/^[a-z][a-zA-Z0-9]*$/.test(id)).map(({ key, id }) => `${key}: ${id}`);
    expect(malformed).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { key, id } of ids) {
      if (seen.has(id)) duplicates.push(`${id}: ${seen.get(id)} and ${key}`);
      seen.set(id, key);
    }
    expect(duplicates).toEqual([]);
  });

  it('a few operationIds a person would write, stable for clients', () => {
    const byKey = Object.fromEntries(operations().map(({ key, op }) => [key, op.operationId]));
    expect(byKey).toMatchObject({
      'POST /api/auth/login': 'login',
      'POST /api/auth/register': 'register',
      'GET /api/analyses': 'listAnalyses',
      'POST /api/payments/{id}/approve': 'approvePayment',
      'GET /api/credit-packages/{id}': 'getCreditPackage',
    });
  });

  it('every tag used is declared at the top level with a description, in the fixed list', () => {
    const declared = new Map<string, string>(doc.tags.map((tag: any) => [tag.name, tag.description]));
    const undeclared = operations().flatMap(({ key, op }) => (op.tags as string[]).filter((tag) => !declared.has(tag)).map((tag) => `${key}: ${tag}`));
    expect(undeclared).toEqual([]);
    for (const [name, description] of declared) expect(description).toBe(TAGS[name as keyof typeof TAGS]);
    expect(operations().filter(({ op }) => !op.tags?.length).map(({ key }) => key)).toEqual([]);
  });

  it('public operations declare security: [] and signed-in ones the bearer token', () => {
    const undeclared = operations().filter(({ op }) => !Array.isArray(op.security)).map(({ key }) => key);
    expect(undeclared).toEqual([]);
    const security = Object.fromEntries(operations().map(({ key, op }) => [key, op.security]));
    expect(security['POST /api/auth/login']).toEqual([]);
    expect(security['GET /api/report-shares/public/{token}']).toEqual([]);
    expect(security['GET /api/auth/me']).toEqual([{ bearerAuth: [] }]);
    // Anonymous, or signed in for `include_inactive=true`.
    expect(security['GET /api/credit-packages']).toEqual([{}, { bearerAuth: [] }]);
  });

  it('every operation that takes input or a token documents its 4xx', () => {
    const without = operations()
      .filter(({ key }) => !NO_CLIENT_ERRORS.includes(key))
      .filter(({ op }) => !Object.keys(op.responses).some((status) => /^4\d\d$/.test(status)))
      .map(({ key }) => key);
    expect(without).toEqual([]);
    for (const key of NO_CLIENT_ERRORS) expect(operations().some((o) => o.key === key), key).toBe(true);
  });

  it('the document is built the same way every time (stable names for generated clients)', () => {
    const again = buildOpenApiDocument(createApp(), { version: doc.info.version });
    expect(JSON.parse(JSON.stringify(again))).toEqual(doc);
  });
});
