// The AI group in the OpenAPI document: every route, its errors, and the SSE variants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/harness.js';
import { dereference } from '../../support/openapi.js';

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = await createTestApp();
  doc = dereference((await t.request('GET', '/api/openapi.json')).body);
});
afterAll(() => t.close());

describe('OpenAPI: AI group', () => {
  it.each([
    ['/api/ai/generate-analysis', true, ['402', '404', '409', '429', '502', '503']],
    ['/api/ai/chat', true, ['404', '409', '429', '502', '503']],
    ['/api/ai/invoke-llm', false, ['400', '403', '429', '502', '503']],
    ['/api/analyses/{id}/upgrade-premium', false, ['402', '404', '409', '503']],
    ['/api/analyses/validate-idea', false, ['400', '429']],
  ])('%s is documented (SSE: %s)', (path, sse, statuses) => {
    const op = doc.paths[path]?.post;
    expect(op, path).toBeDefined();
    expect(op.tags).toContain('ai');
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', ...statuses]));
    const content = op.responses['200'].content;
    expect(content['application/json']).toBeDefined();
    if (sse) expect(content['text/event-stream'].schema.oneOf.map((v: any) => v.properties.event.const)).toEqual(expect.arrayContaining(['done', 'error']));
    else expect(content['text/event-stream']).toBeUndefined();
  });

  it('documents the request bodies with their bounds', () => {
    const invoke = doc.paths['/api/ai/invoke-llm'].post.requestBody.content['application/json'].schema;
    expect(invoke.properties.max_tokens.maximum).toBe(4096);
    expect(invoke.additionalProperties).toBe(false);
    expect(doc.paths['/api/ai/invoke-llm'].post.description).toContain('invoke_llm');
  });
});
