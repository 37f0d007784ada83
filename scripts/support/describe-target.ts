/** How the scripts name the database they work on, without ever printing a password. */
export function describeTarget(databaseUrl: string | undefined, pgliteDir: string): string {
  if (!databaseUrl) return `the embedded PGlite database (${pgliteDir})`;
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'DATABASE_URL (unparsable)';
  }
}
