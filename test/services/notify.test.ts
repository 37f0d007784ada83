/** The notifications core: one statement, composable into a batch, honouring preferences. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { notify } from '../../src/services/notify.js';
import { bookEntry } from '../../src/services/ledger.js';
import { createTestApp, registerUser, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const count = async (userId: string, type: string) =>
  Number((await t.db.execute<{ n: string }>(sql`SELECT count(*)::text AS n FROM notifications WHERE user_id = ${userId} AND type = ${type}`)).rows[0]!.n);

describe('notify', () => {
  it('writes a notification with both languages and data', async () => {
    const u = await registerUser(t);
    await notify(t.db, { userId: u.id, type: 'announcement', title: 'Hi', message: 'Hello', titleAr: 'مرحبا', messageAr: 'أهلاً', data: { a: 1 } });
    const rows = await t.db.execute(sql`SELECT title, title_ar, message_ar, data, is_read FROM notifications WHERE user_id = ${u.id}`);
    expect(rows.rows).toEqual([{ title: 'Hi', title_ar: 'مرحبا', message_ar: 'أهلاً', data: { a: 1 }, is_read: false }]);
  });

  it('honours notification_preferences: false turns a type off, a missing key means on', async () => {
    const u = await registerUser(t);
    await t.request('PUT', '/api/auth/me', { token: u.token, body: { notification_preferences: { share_opened: false, credits_added: true } } });
    await notify(t.db, { userId: u.id, type: 'share_opened', title: 't', message: 'm' });
    await notify(t.db, { userId: u.id, type: 'credits_added', title: 't', message: 'm' });
    await notify(t.db, { userId: u.id, type: 'payment_approved', title: 't', message: 'm' });
    expect(await count(u.id, 'share_opened')).toBe(0);
    expect(await count(u.id, 'credits_added')).toBe(1);
    expect(await count(u.id, 'payment_approved')).toBe(1);
  });

  it('is atomic with the rest of its batch: a failing statement rolls the notification back', async () => {
    const u = await registerUser(t);
    await expect(
      t.db.batch([
        notify(t.db, { userId: u.id, type: 'credits_added', title: 't', message: 'm' }),
        bookEntry(t.db, { userId: u.id, type: 'adjustment', credits: -1000, description: 'overdraw' }),
      ]),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await count(u.id, 'credits_added')).toBe(0);
  });
});

describe('ledger primitive', () => {
  it('moves the balance and appends the row in one statement, with balance_after', async () => {
    const u = await registerUser(t);
    const res = await bookEntry(t.db, { userId: u.id, type: 'adjustment', credits: 4, description: 'gift' });
    expect(res.rows[0]).toMatchObject({ type: 'adjustment', credits: 4, balance_after: 7 });
    const bal = await t.db.execute<{ credits: number }>(sql`SELECT credits FROM users WHERE id = ${u.id}`);
    expect(bal.rows[0]!.credits).toBe(7);
  });

  it('refuses a second signup bonus and rolls back its balance change', async () => {
    const u = await registerUser(t);
    await expect(bookEntry(t.db, { userId: u.id, type: 'signup_bonus', credits: 3 })).rejects.toBeTruthy();
    const bal = await t.db.execute<{ credits: number }>(sql`SELECT credits FROM users WHERE id = ${u.id}`);
    expect(bal.rows[0]!.credits).toBe(3);
  });

  it('the ledger is append-only: rows cannot be deleted or rewritten', async () => {
    const u = await registerUser(t);
    await expect(t.db.execute(sql`DELETE FROM transactions WHERE user_id = ${u.id}`)).rejects.toBeTruthy();
    await expect(t.db.execute(sql`UPDATE transactions SET credits = 100 WHERE user_id = ${u.id}`)).rejects.toBeTruthy();
  });
});
