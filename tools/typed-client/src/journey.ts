/**
 * What a client developer writes with openapi-fetch and the types generated from /api/openapi.json:
 * register → sign in → create an analysis → list analyses → buy credits. test/contract/typed-client.test.ts
 * type-checks this file against freshly generated types (a broken document fails to compile) and runs it.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from '../generated/planlyze.js';

type Schemas = components['schemas'];

export interface JourneyInput {
  baseUrl: string;
  fetch: (request: Request) => Promise<Response>;
  email: string;
  password: string;
  /** A payment proof: an https URL or an image data URL. */
  proof: string;
}

export interface JourneyResult {
  user: Schemas['User'];
  analysis: Schemas['Analysis'];
  listed: Schemas['AnalysisSummary'][];
  payment: Schemas['Payment'];
}

export async function journey(input: JourneyInput): Promise<JourneyResult> {
  // 'application/json': the JSON variant of every answer (the AI routes also speak text/event-stream).
  const api = createClient<paths, 'application/json'>({ baseUrl: input.baseUrl, fetch: input.fetch });
  const credentials = { email: input.email, password: input.password };

  const registered = await api.POST('/api/auth/register', { body: { ...credentials, full_name: 'Typed Client' } });
  if (registered.error) throw new Error(`register: ${registered.error.error_code}`);

  const session = await api.POST('/api/auth/login', { body: credentials });
  if (session.error) throw new Error(`login: ${session.error.error_code} ${session.error.error}`);
  const { token, user } = session.data.data;
  api.use({ onRequest: ({ request }) => (request.headers.set('Authorization', `Bearer ${token}`), request) });

  const created = await api.POST('/api/analyses', {
    body: { business_idea: 'A delivery app for home-cooked meals in Damascus', report_language: 'en' },
  });
  if (created.error) throw new Error(`create analysis: ${created.error.error_code}`);

  const list = await api.GET('/api/analyses', { params: { query: { sort: 'created_at', order: 'desc' } } });
  if (list.error) throw new Error(`list analyses: ${list.error.error_code}`);
  const { data: listed, pagination } = list.data;
  if (pagination.total !== listed.length) throw new Error('one page holds every analysis of a new user');

  const packages = await api.GET('/api/credit-packages');
  const methods = await api.GET('/api/payment-methods');
  const creditPackage = packages.data?.data[0];
  const method = methods.data?.data[0];
  if (!creditPackage || !method) throw new Error('the catalog is empty');

  const paid = await api.POST('/api/payments', {
    body: { package_id: creditPackage.id, payment_method_id: method.id, quantity: 1, payment_proof: input.proof },
  });
  if (paid.error) throw new Error(`payment: ${paid.error.error_code}`);

  return { user, analysis: created.data.data, listed, payment: paid.data.data };
}
