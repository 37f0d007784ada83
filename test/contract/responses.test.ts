/**
 * Real answers match the document: a user journey (account, catalog, analysis generated as JSON and as
 * an event stream, chat, payment, its approval, ledger, notifications) validated against the success
 * schema of each operation — the named components included (Analysis and its six report sections, the
 * stream events). A schema that says more or less than the API answers fails here.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerSections, generate, newUser, parseSse, premiumAnalysis, startAiSuite, type AiSuite } from '../api/ai/setup.js';
import { PNG_PROOF } from '../api/economy/helpers.js';
import { text } from '../support/fake-anthropic.js';
import { loginAdmin, type TestUser } from '../support/harness.js';
import { dereference } from '../support/openapi.js';

let s: AiSuite;
let doc: any;
let admin: TestUser;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const checked: string[] = [];

beforeAll(async () => {
  s = await startAiSuite();
  s.fake.setDefault(answerSections());
  doc = dereference((await s.t.request('GET', '/api/openapi.json')).body);
  admin = await loginAdmin(s.t);
});
afterAll(() => s.close());

/** Sends a request and checks the answer against the document's schema for that operation and status. */
async function call(method: string, template: string, options: { path?: Record<string, string>; token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const url = template.replace(/\{(\w+)\}/g, (_m, name: string) => options.path?.[name] ?? '');
  const res = await s.t.request(method, url, { token: options.token, body: options.body, headers: options.headers });
  const operation = doc.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  const response = operation.responses[String(res.status)];
  expect(response, `${method} ${template} answered an undocumented ${res.status}: ${res.text.slice(0, 300)}`).toBeDefined();
  const mediaType = options.headers?.accept === 'text/event-stream' ? 'text/event-stream' : 'application/json';
  const schema = response.content?.[mediaType]?.schema;
  expect(schema, `${method} ${template} ${res.status} ${mediaType}`).toBeDefined();
  const validate = ajv.compile(schema);
  const bodies = mediaType === 'text/event-stream' ? parseSse(res.text) : [res.body];
  for (const body of bodies) {
    const valid = validate(body);
    expect(valid, `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
  }
  checked.push(`${method} ${template} ${res.status}`);
  return res;
}

describe('answers match the OpenAPI document', () => {
  it('a whole journey, 0 mismatches', async () => {
    const user = await newUser(s.t, 10);
    const token = user.token;
    await call('GET', '/api');
    await call('GET', '/api/health');
    await call('GET', '/api/auth/me', { token });
    await call('PUT', '/api/auth/me', { token, body: { full_name: 'Journey', notification_preferences: { credits_low: false } } });
    await call('GET', '/api/settings');
    const packages = await call('GET', '/api/credit-packages');
    const methods = await call('GET', '/api/payment-methods');
    await call('GET', '/api/credit-packages/{id}', { path: { id: packages.body.data[0].id } });

    const id = await premiumAnalysis(s.t, user);
    const json = await call('POST', '/api/ai/generate-analysis', { token, body: { analysis_id: id, sections: ['overview', 'market'] } });
    expect(json.status).toBe(200);
    const stream = await call('POST', '/api/ai/generate-analysis', { token, body: { analysis_id: id }, headers: { accept: 'text/event-stream' } });
    expect(parseSse(stream.text).map((e) => e.event)).toEqual(expect.arrayContaining(['section_started', 'section_completed', 'done']));
    const full = await call('GET', '/api/analyses/{id}', { token, path: { id } });
    expect(full.body.data.status).toBe('completed');
    await call('GET', '/api/analyses', { token });
    await call('PUT', '/api/analyses/{id}', { token, path: { id }, body: { user_rating: 5 } });
    const share = await call('POST', '/api/report-shares', { token, body: { analysis_id: id } });
    await call('GET', '/api/report-shares/public/{token}', { path: { token: share.body.data.token } });
    await call('GET', '/api/report-shares', { token });

    s.fake.enqueue(text('Start with a pilot in one neighbourhood.'));
    const chat = await call('POST', '/api/ai/chat', { token, body: { message: 'What should I build first?', analysis_id: id } });
    expect(chat.status).toBe(200);
    s.fake.enqueue(text('Then grow street by street.'));
    const streamed = await call('POST', '/api/ai/chat', {
      token,
      body: { message: 'And then?', conversation_id: chat.body.data.conversation_id },
      headers: { accept: 'text/event-stream' },
    });
    expect(parseSse(streamed.text).map((e) => e.event)).toContain('done');
    await call('GET', '/api/chat-conversations', { token });

    expect(share.status).toBe(201);
    const payment = await call('POST', '/api/payments', {
      token,
      body: { package_id: packages.body.data[0].id, payment_method_id: methods.body.data[0].id, payment_proof: PNG_PROOF },
    });
    await call('GET', '/api/payments/{id}', { token, path: { id: payment.body.data.id } });
    expect(payment.status).toBe(201);
    await call('POST', '/api/payments/{id}/approve', { token: admin.token, path: { id: payment.body.data.id } });
    await call('GET', '/api/payments/stats', { token: admin.token });
    await call('GET', '/api/transactions', { token });
    await call('GET', '/api/notifications', { token });
    await call('GET', '/api/activity-feed', { token });
    await call('GET', '/api/referrals', { token });
    await call('GET', '/api/users/{id}', { token: admin.token, path: { id: user.id } });
    await call('GET', '/api/analyses/all', { token: admin.token });
    await call('GET', '/api/audit-logs', { token: admin.token });
    await call('GET', '/api/roles', { token: admin.token });
    await call('GET', '/api/system-settings', { token: admin.token });

    // Errors are envelopes of the documented codes too.
    await call('GET', '/api/analyses/{id}', { token, path: { id: '00000000-0000-4000-8000-000000000000' } });
    await call('POST', '/api/auth/login', { body: { email: user.email, password: 'wrong-password-1' } });
    await call('POST', '/api/analyses', { token, body: { business_idea: 'short' } });
    expect(checked.length).toBeGreaterThanOrEqual(35);
  });
});
