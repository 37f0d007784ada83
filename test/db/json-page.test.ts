/**
 * Issue 16: list pages built by PostgreSQL (db/pagination.ts readJsonPage) answer byte for byte what
 * the rows mapped and serialized in JavaScript answered (services/analysis-list.ts listAnalysesMapped,
 * the way before), for awkward text and every page shape, in ONE statement after auth.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyses } from '../../src/db/schema.js';
import { paginated } from '../../src/http/envelope.js';
import { pageWindow } from '../../src/http/pagination.js';
import { query } from '../../src/http/validate.js';
import { AdminAnalysisListQuery, AnalysisListQuery } from '../../src/schemas/analysis.js';
import { listAnalysesMapped } from '../../src/services/analysis-list.js';
import { createTestApp, loginAdmin, registerUser, type TestApp, type TestUser } from '../support/harness.js';

let t: TestApp;
let user: TestUser;
let admin: TestUser;

/** Text that JSON escapes: quotes, backslashes, control characters, Arabic, emoji past the 280-code-point cut. */
const AWKWARD = [
  'He said "hi" \\ and left\ttab\nnewline\r\u0001\u001f\u007f',
  'منصة لربط الطهاة المنزليين في دمشق — مع "اقتباس"',
  `${'🍲'.repeat(279)}é and more past the summary cut`,
  '</script><script>alert(1)</script> & < > \u2028 \u2029',
];

beforeAll(async () => {
  t = await createTestApp({}, {
    extend: (app) => {
      // The way before issue 16, mounted beside the real routes for the comparison.
      app.get('/test/mapped/analyses', query(AnalysisListQuery), async (c) => {
        const input = c.req.valid('query');
        const page = await listAnalysesMapped(c.var.db, pageWindow(c, input), input, eq(analyses.userId, user.id));
        return paginated(c, page.items, page.pagination);
      });
      app.get('/test/mapped/analyses/all', query(AdminAnalysisListQuery), async (c) => {
        const input = c.req.valid('query');
        const scope = input.user_id ? eq(analyses.userId, input.user_id) : undefined;
        const page = await listAnalysesMapped(c.var.db, pageWindow(c, input), input, scope, true);
        return paginated(c, page.items, page.pagination);
      });
    },
  });
  user = await registerUser(t);
  admin = await loginAdmin(t);
  let i = 0;
  for (const idea of AWKWARD) {
    for (const [industry, location, score] of [[null, null, null], ['Food', 'دمشق', 72]] as const) {
      i++;
      // Microseconds in the timestamps: both ways must cut them to milliseconds the same way.
      await t.db.execute(sql`
        INSERT INTO analyses (user_id, business_idea, industry, location, market_fit_score, status, created_at, updated_at)
        VALUES (${user.id}, ${idea}, ${industry}, ${location}, ${score}, ${i % 2 ? 'completed' : 'pending'},
                now() - make_interval(secs => ${i * 7.123456}), now() - make_interval(secs => ${i * 3.999999}))`);
    }
  }
});
afterAll(async () => {
  await t.close();
});

const withoutTimestamp = (text: string) => text.replace(/"timestamp":"[^"]+"/, '"timestamp":"T"');

describe('a list page built by PostgreSQL', () => {
  const cases = [
    '',
    '?per_page=3',
    '?per_page=3&page=2',
    '?per_page=3&page=3',
    '?per_page=3&page=9',
    '?sort=updated_at&order=ASC',
    '?status=completed',
    '?q=%D8%AF%D9%85%D8%B4%D9%82',
    '?q=nothing-matches-this',
  ];
  for (const qs of cases) {
    it(`GET /api/analyses${qs} equals the mapped page byte for byte`, async () => {
      const built = await t.request('GET', `/api/analyses${qs}`, { token: user.token });
      const mapped = await t.request('GET', `/test/mapped/analyses${qs}`, { token: user.token });
      expect(built.status).toBe(200);
      expect(withoutTimestamp(built.text)).toBe(withoutTimestamp(mapped.text));
      expect(built.headers.get('content-type')).toBe(mapped.headers.get('content-type'));
    });
  }

  it('GET /api/analyses/all (with user_id on each item) equals the mapped page', async () => {
    for (const qs of ['?per_page=5', `?user_id=${user.id}&page=2&per_page=3`]) {
      const built = await t.request('GET', `/api/analyses/all${qs}`, { token: admin.token });
      const mapped = await t.request('GET', `/test/mapped/analyses/all${qs}`, { token: admin.token });
      expect(built.status).toBe(200);
      expect(withoutTimestamp(built.text)).toBe(withoutTimestamp(mapped.text));
    }
  });

  it('costs one round trip after auth (2 in all), on a first page and past the end alike', async () => {
    for (const qs of ['?per_page=3', '?per_page=3&page=9']) {
      let res: Awaited<ReturnType<TestApp['request']>> | undefined;
      expect(await t.countRoundTrips(async () => (res = await t.request('GET', `/api/analyses${qs}`, { token: user.token })))).toBe(2);
      expect((res!.body as any).pagination.total).toBe(AWKWARD.length * 2);
    }
  });
});
