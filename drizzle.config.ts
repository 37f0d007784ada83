import { defineConfig } from 'drizzle-kit';

/**
 * `npm run db:generate` writes SQL migrations to drizzle/; `npm run db:migrate` applies them.
 * With DATABASE_URL set (a PostgreSQL or Neon connection string) migrations go there over `pg`;
 * without it they go to the embedded PGlite database under .data/pglite (the one `npm start` uses).
 */
const url = process.env.DATABASE_URL;

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  casing: 'snake_case',
  strict: true,
  verbose: false,
  ...(url ? { dbCredentials: { url } } : { driver: 'pglite', dbCredentials: { url: './.data/pglite' } }),
});
