/**
 * Mail leaving the real Worker inside workerd (SPEC-WAVE2 §11.2, §11.12 "Both runtimes"): a request that
 * queues mail gets its response first and the fake ZeptoMail receives the mail through `waitUntil`; the
 * per-minute `scheduled()` run (`/__scheduled?cron=* * * * *`) drains rows queued outside a request.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createDb, type Database } from '../../src/db/client.js';
import { seedDatabase } from '../../src/db/seed.js';
import { enqueueUserMail } from '../../src/email/outbox.js';
import { serveSqlEndpoint, type SqlHttpServer } from '../../src/local/http-server.js';
import { localDatabaseUrl } from '../../src/local/neon-local.js';
import { emailEnv, startFakeZeptomail, type FakeZeptomail } from '../email/fake-zeptomail.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { callWorker, startWranglerDev, type WranglerDev } from './wrangler.js';

let database: TestDatabase;
let sqlServer: SqlHttpServer;
let worker: WranglerDev;
let fake: FakeZeptomail;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.databaseUrl);
  await seedDatabase(db, parseConfig({ APP_ENV: 'test', DATABASE_URL: database.databaseUrl }));
  sqlServer = await serveSqlEndpoint(database.endpoint);
  fake = await startFakeZeptomail();
  worker = await startWranglerDev(
    { DATABASE_URL: localDatabaseUrl(sqlServer.port), LOG_LEVEL: 'warn', ...emailEnv(fake) },
    { extraArgs: ['--test-scheduled'] },
  );
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await sqlServer?.close();
  await database?.close();
  await fake?.close();
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the Worker sends mail', () => {
  it('through waitUntil after the response', async () => {
    const email = `worker.mail.${Date.now().toString(36)}@example.test`;
    const registered = await callWorker(worker, 'POST', '/api/auth/register', { body: { email, password: 'Worker-password-1' } });
    expect(registered.status, registered.text).toBe(201);
    const mail = await waitFor(() => fake.requests.find((r) => r.body.to[0].email_address.address === email));
    expect(mail.path).toBe('/v1.1/email');
    expect(mail.body.htmlbody).toMatch(/\d{6}/);
    // The provider has answered; the Worker records the outcome right after (still inside waitUntil).
    const status = async () => (await db.execute<{ status: string }>(sql`SELECT status FROM email_outbox WHERE to_address = ${email}`)).rows;
    await waitFor(async () => ((await status())[0]?.status === 'sending' ? undefined : true));
    expect(await status()).toEqual([{ status: 'sent' }]);
  });

  it('through the per-minute cron', async () => {
    const user = await db.execute<{ id: string; email: string }>(sql`SELECT id, email FROM users WHERE email LIKE 'worker.mail.%' LIMIT 1`);
    const { id: userId, email } = user.rows[0]!;
    await db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${userId}`);
    const id = crypto.randomUUID();
    await db.batch([
      enqueueUserMail(db, undefined, { id, eventKey: `credits_added:${id}`, template: 'credits_added', userId, variables: { credits: 2, balance: 2 } }),
    ]);
    expect(fake.requests.some((r) => r.body.client_reference === id)).toBe(false);
    const fired = await callWorker(worker, 'GET', `/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    expect(fired.status).toBe(200);
    const mail = await waitFor(() => fake.requests.find((r) => r.body.client_reference === id));
    expect(mail.body.to[0].email_address.address).toBe(email);
  });
});
