/**
 * The served document passes the two linters client developers run, as libraries: Redocly's
 * `recommended` ruleset and Spectral's `spectral:oas`. 0 errors, 0 warnings. A rule switched off says why.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import * as Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/harness.js';

const { Document, Spectral } = spectralCore;

let t: TestApp;
let source: string;
beforeAll(async () => {
  t = await createTestApp();
  source = (await t.request('GET', '/api/openapi.json')).text;
});
afterAll(() => t.close());

describe('OpenAPI lint', () => {
  it("Redocly 'recommended': 0 errors, 0 warnings", async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: {
        // Five operations take no input and can only succeed or fail on the server's side (the API index,
        // the health check, the public settings, this document, the docs page); a 4xx for them would be
        // invented. test/contract/operations.test.ts requires a 4xx of every other operation.
        'operation-4xx-response': 'off',
      },
    });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    const report = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    expect(report).toEqual([]);
  });

  it("Spectral 'spectral:oas': 0 errors, 0 warnings", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({
      // 'all': the rules spectral:oas leaves off by default too (e.g. every parameter described).
      extends: [[oas as never, 'all']],
      rules: {
        // Tags are listed by product area (system, auth, analyses, ai, …), the order of the reference.
        'openapi-tags-alphabetical': 'off',
        // upgrade-premium and validate-idea are AI actions on analyses: listed under both, on purpose.
        'operation-singular-tag': 'off',
        // No public support address is settled (SPEC); the contact has a name and a URL. An invented
        // email would be worse than none.
        'contact-properties': 'off',
      },
    } as never);
    const results = await spectral.run(new Document(source, Parsers.Json, 'openapi.json'));
    // Severity 0 is an error, 1 a warning (2–3: information and hints).
    const report = results.filter((r) => r.severity <= 1).map((r) => `${r.severity} ${r.code} ${r.path.join('.')}: ${r.message}`);
    expect(report).toEqual([]);
  });
});
