/**
 * `npm run db:seed`: the idempotent bootstrap of SPEC §2 (built-in roles, default settings, two credit
 * packages and one payment method when none exist, email templates, and the ADMIN_EMAIL/ADMIN_PASSWORD
 * super admin) — the same seedDatabase() that `npm start` and `npm run dev` run at start-up.
 *
 * Target: DATABASE_URL when set, else the embedded PGlite database in .data/pglite. A Neon URL is
 * seeded through neon-http directly (the app's own driver), WITHOUT migrating: on Neon, migrations are
 * a separate deploy step (`npm run db:migrate` first, SPEC §10). Local databases are migrated first,
 * so seeding a fresh clone just works.
 */
import { sql } from 'drizzle-orm';
import { ConfigError, parseConfig } from '../src/config.js';
import { createDb, type Database } from '../src/db/client.js';
import { seedDatabase } from '../src/db/seed.js';
import { DEFAULT_PGLITE_DIR, isNeonUrl, openAppDatabase } from '../src/local/app-database.js';
import { DataDirLockedError } from '../src/local/data-dir-lock.js';
import { describeTarget } from './support/describe-target.js';

const COUNTED = {
  roles: 'roles',
  settings: 'system_settings',
  'credit packages': 'credit_packages',
  'payment methods': 'payment_methods',
  'email templates': 'email_templates',
} as const;
type Counts = Record<keyof typeof COUNTED, number>;

async function counts(db: Database): Promise<Counts> {
  const columns = Object.entries(COUNTED).map(([label, table]) => sql`(SELECT count(*) FROM ${sql.identifier(table)})::int AS ${sql.identifier(label)}`);
  const result = await db.execute<Counts>(sql`SELECT ${sql.join(columns, sql`, `)}`);
  return result.rows[0]!;
}

async function main() {
  const url = process.env.DATABASE_URL?.trim() || undefined;
  parseConfig(process.env); // refuse a bad configuration before touching the database
  const neon = url !== undefined && isNeonUrl(url);
  const database = await openAppDatabase(url, { migrate: !neon });
  try {
    const config = parseConfig({ ...process.env, DATABASE_URL: database.databaseUrl });
    const db = createDb(database.databaseUrl);
    const before = await counts(db);
    const { admin } = await seedDatabase(db, { ...config, logLevel: 'silent' }); // summarised below instead
    const after = await counts(db);

    console.log(`Seeded ${describeTarget(url, DEFAULT_PGLITE_DIR)}${neon ? ' (Neon, over neon-http)' : ''}:`);
    for (const label of Object.keys(COUNTED) as (keyof Counts)[]) {
      const added = after[label] - before[label];
      console.log(`  ${label.padEnd(16)} ${String(after[label]).padStart(3)}  ${added > 0 ? `(+${added} added)` : '(unchanged)'}`);
    }
    console.log('  built-in roles   permissions re-synced from code');
    if (admin.status === 'missing') console.log('  super admin      none: set ADMIN_EMAIL and ADMIN_PASSWORD to create one');
    else if (admin.status === 'created') console.log(`  super admin      ${admin.email} created`);
    else if (admin.status === 'password_reset')
      console.log(`  super admin      ${admin.email}: password set from ADMIN_PASSWORD, ${admin.sessionsRevoked} session(s) revoked`);
    else if (admin.passwordMatches) console.log(`  super admin      ${admin.email} exists: kept active super_admin`);
    else
      console.log(
        `  super admin      ${admin.email} exists: kept active super_admin; ADMIN_PASSWORD differs from the stored password, ` +
          'which is KEPT (run again with ADMIN_PASSWORD_RESET=true to replace it and end its sessions)',
      );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`db:seed: ${error.message}`);
  else if (error instanceof DataDirLockedError) console.error(`db:seed refused: ${error.message}`);
  else if ((error as { cause?: { code?: string } })?.cause?.code === '42P01' || (error as { code?: string })?.code === '42P01')
    console.error('db:seed failed: the schema is missing. Run `npm run db:migrate` against this database first.');
  else console.error('db:seed failed:', error);
  process.exit(1);
});
