/**
 * What `npm run dev` hands wrangler besides its arguments (scripts/dev.ts).
 *
 * wrangler gives a Worker only wrangler.toml's [vars], `.dev.vars` (else `.env`) and `--var`: a setting
 * exported in the shell (ANTHROPIC_API_KEY, CORS_ORIGINS, …) never reaches it. So the dev command writes
 * one env file for `wrangler dev --env-file`: the project's `.dev.vars` (else `.env`) as written, then
 * every configuration setting (src/config.ts CONFIG_KEYS) set in the shell, which wins (later lines win
 * in dotenv). DATABASE_URL is the dev command's own (`--var`), PORT is wrangler's port.
 *
 * And a quiet offline start: no metrics, no banner (its update check asks the npm registry and prints
 * "update available"), and no fetch of https://workers.cloudflare.com/cf.json for `Request.cf` (offline
 * it prints a stack trace; the placeholder is what the app would get anyway: it reads no `cf` field).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS } from '../../src/config.js';

const NOT_PASSED = new Set(['DATABASE_URL', 'PORT']);

export const QUIET_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
} as const;

/** The configuration settings set (non-empty) in `env`, by name. */
export function shellSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (!NOT_PASSED.has(key) && typeof value === 'string' && value.trim() !== '') settings[key] = value;
  }
  return settings;
}

/** One dotenv line; the quote is one the value does not contain (dotenv does not unescape). */
function dotenvLine(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${name} holds a line break: set it in .dev.vars instead`);
  const quote = !value.includes("'") ? "'" : !value.includes('"') ? '"' : '`';
  if (value.includes(quote)) throw new Error(`${name} holds every kind of quote: set it in .dev.vars instead`);
  return `${name}=${quote}${value}${quote}`;
}

/** The env file's text: the project's own file first (as wrangler would read it), the shell's settings after. */
export function devEnvFile(root: string, env: NodeJS.ProcessEnv): { text: string; from: string | null; passed: string[] } {
  const from = ['.dev.vars', '.env'].find((name) => existsSync(join(root, name))) ?? null;
  const own = from ? readFileSync(join(root, from), 'utf8') : '';
  const settings = shellSettings(env);
  const lines = Object.entries(settings).map(([name, value]) => dotenvLine(name, value));
  const text = `${own}${own && !own.endsWith('\n') ? '\n' : ''}${lines.length ? '# from the shell (npm run dev)\n' : ''}${lines.join('\n')}\n`;
  return { text, from, passed: Object.keys(settings) };
}
