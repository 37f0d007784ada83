/**
 * Configuration (SPEC §8): one zod schema, parsed once per entry (per Worker env object, per Node process).
 * Development and test get safe local defaults; production refuses missing or weak secrets, default
 * values and a wildcard CORS origin, naming the offending settings (in logs, never in responses).
 */
import * as z from 'zod';
import { parsePriceTable, type PriceTable } from './ai/prices.js';

export const APP_ENVS = ['development', 'test', 'production'] as const;
export type AppEnvName = (typeof APP_ENVS)[number];

/** Local defaults. Any of them reaching production is refused. */
export const DEV_DEFAULTS = {
  JWT_SECRET_KEY: 'dev-only-jwt-secret-do-not-use-in-production-0000',
  SECRET_KEY: 'dev-only-app-secret-do-not-use-in-production-0000',
  DATABASE_URL: 'postgres://planlyze@localhost/planlyze',
} as const;

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';
export const TURNSTILE_SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

export const EMAIL_PROVIDERS = ['zeptomail', 'log', 'none'] as const;
export const DEFAULT_EMAIL_API_BASE_URL = 'https://api.zeptomail.com/v1.1';
const EMAIL_API_KEY_PREFIX = 'Zoho-enczapikey ';

export interface EmailConfig {
  provider: (typeof EMAIL_PROVIDERS)[number];
  /** The send-mail token without the `Zoho-enczapikey ` prefix. */
  apiKey: string | undefined;
  apiBaseUrl: string;
  from: { address: string; name: string };
  replyTo: string | undefined;
  appUrl: string;
  adminAlert: { address: string | undefined; language: 'en' | 'ar' };
  maxAttempts: number;
  timeoutMs: number;
  batchSize: number;
  dispatchIntervalMs: number;
  retentionDays: number;
  codeTtlS: number;
  codeMaxAttempts: number;
  requireVerification: boolean;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const EnvSchema = z.object({
  APP_ENV: z.enum(APP_ENVS).default('development'),
  DATABASE_URL: optionalText,
  JWT_SECRET_KEY: optionalText,
  SECRET_KEY: optionalText,
  JWT_ACCESS_TOKEN_EXPIRES: int(60, 30 * 86400).default(86400),
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_MODEL: optionalText,
  ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CORS_ORIGINS: optionalText,
  ITEMS_PER_PAGE: int(1, 100).default(20),
  MAX_PAGE_SIZE: int(1, 1000).default(100),
  AI_SECTION_TIMEOUT_S: int(30, 86400).default(600),
  ADMIN_EMAIL: z.email().trim().toLowerCase().optional(),
  ADMIN_PASSWORD: optionalText,
  ADMIN_PASSWORD_RESET: bool.default(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PORT: int(1, 65535).default(8787),
  TRUST_PROXY: bool.default(false),
  RATE_LIMIT_LOGIN_PER_EMAIL: int(1, 100000).default(10),
  RATE_LIMIT_LOGIN_PER_IP: int(1, 1000000).default(100),
  RATE_LIMIT_REGISTER_PER_IP: int(1, 1000000).default(20),
  DB_QUERY_TIMEOUT_MS: int(100, 300_000).default(15_000),
  // SPEC-WAVE2 §14.6, §15.4
  TURNSTILE_SECRET_KEY: optionalText,
  TURNSTILE_VERIFY_URL: z.url({ protocol: /^https?$/ }).default(TURNSTILE_SITEVERIFY_URL),
  REQUEST_LOG_ENABLED: bool.default(true),
  REQUEST_LOG_SAMPLE_RATE: z.coerce.number().min(0).max(1).optional(),
  REQUEST_LOG_SLOW_MS: int(1, 3_600_000).default(1000),
  REQUEST_LOG_RETENTION_DAYS: int(1, 365).default(30),
  // Issue 15: the research step (Anthropic's web_search server tool) and the price table of model calls.
  AI_WEB_SEARCH: bool.default(false),
  AI_WEB_SEARCH_MAX_USES: int(1, 20).default(5),
  AI_PRICES: optionalText,
  // Email (SPEC-WAVE2 §11.10)
  EMAIL_PROVIDER: z.enum(EMAIL_PROVIDERS).optional(),
  EMAIL_API_KEY: optionalText,
  EMAIL_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  EMAIL_FROM: z.email().trim().optional(),
  EMAIL_FROM_NAME: optionalText,
  EMAIL_REPLY_TO: z.email().trim().optional(),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  ADMIN_ALERT_EMAIL: z.email().trim().toLowerCase().optional(),
  ADMIN_ALERT_LANGUAGE: z.enum(['en', 'ar']).default('en'),
  EMAIL_MAX_ATTEMPTS: int(1, 20).default(8),
  EMAIL_TIMEOUT_MS: int(1000, 60_000).default(10_000),
  EMAIL_BATCH_SIZE: int(1, 100).default(20),
  EMAIL_DISPATCH_INTERVAL_MS: int(1000, 600_000).default(15_000),
  EMAIL_OUTBOX_RETENTION_DAYS: int(1, 365).default(30),
  EMAIL_CODE_TTL_S: int(300, 3600).default(900),
  EMAIL_CODE_MAX_ATTEMPTS: int(3, 10).default(5),
  REQUIRE_EMAIL_VERIFICATION: bool.default(true),
});

/** Every setting the schema reads (e.g. what `npm run dev` passes from the shell to the Worker). */
export const CONFIG_KEYS = Object.keys(EnvSchema.shape) as readonly (keyof z.infer<typeof EnvSchema>)[];

export interface Config {
  appEnv: AppEnvName;
  databaseUrl: string;
  jwtSecret: string;
  secretKey: string;
  jwtTtlSeconds: number;
  anthropic: { apiKey: string | undefined; model: string; baseUrl: string | undefined };
  corsOrigins: '*' | string[];
  itemsPerPage: number;
  maxPageSize: number;
  aiSectionTimeoutS: number;
  /** `resetPassword` (ADMIN_PASSWORD_RESET=true): the bootstrap sets a changed ADMIN_PASSWORD (src/db/seed.ts). */
  admin: { email: string; password: string; resetPassword?: boolean } | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  port: number;
  trustProxy: boolean;
  rateLimits: { loginPerEmail: number; loginPerIp: number; registerPerIp: number };
  /** Upper bound of one database round trip (not in SPEC §8: Neon's driver has no timeout of its own). */
  dbQueryTimeoutMs: number;
  /** Contact form spam defence (SPEC-WAVE2 §14.6): Turnstile is required when a secret is set. */
  turnstile: { secretKey: string | undefined; verifyUrl: string };
  /** API request logs (SPEC-WAVE2 §15.4). */
  requestLog: { enabled: boolean; sampleRate: number; slowMs: number; retentionDays: number };
  /** Issue 15: research with web search before the market and financial sections. */
  aiResearch: { webSearch: boolean; maxUses: number };
  /** Issue 15: prices per model (AI_PRICES), in nano-USD per token / per search. */
  aiPrices: PriceTable;
  email: EmailConfig;
}

/** Raised when the environment cannot be served safely. `problems` name settings, never their values. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Refusing to start: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_LENGTH = 32;

export function parseConfig(env: Record<string, unknown>): Config {
  // Worker bindings may hold non-string values (KV, secrets objects); only strings are configuration.
  const strings = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string'));
  const parsed = EnvSchema.safeParse(strings);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.APP_ENV === 'production';
  const problems = production ? productionProblems(e) : [];
  if (e.ADMIN_EMAIL && !e.ADMIN_PASSWORD) problems.push('ADMIN_PASSWORD is required when ADMIN_EMAIL is set');
  if (e.ADMIN_PASSWORD && e.ADMIN_PASSWORD.length < 8) problems.push('ADMIN_PASSWORD must be at least 8 characters');
  if (e.ITEMS_PER_PAGE > e.MAX_PAGE_SIZE) problems.push('ITEMS_PER_PAGE must not exceed MAX_PAGE_SIZE');
  let aiPrices: PriceTable = {};
  try {
    aiPrices = parsePriceTable(e.AI_PRICES);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new ConfigError(onePerSetting(problems));

  const origins = e.CORS_ORIGINS ?? '*';
  return {
    appEnv: e.APP_ENV,
    databaseUrl: e.DATABASE_URL ?? DEV_DEFAULTS.DATABASE_URL,
    jwtSecret: e.JWT_SECRET_KEY ?? DEV_DEFAULTS.JWT_SECRET_KEY,
    secretKey: e.SECRET_KEY ?? DEV_DEFAULTS.SECRET_KEY,
    jwtTtlSeconds: e.JWT_ACCESS_TOKEN_EXPIRES,
    anthropic: {
      apiKey: e.ANTHROPIC_API_KEY,
      model: e.ANTHROPIC_MODEL ?? DEFAULT_ANTHROPIC_MODEL,
      baseUrl: e.ANTHROPIC_BASE_URL,
    },
    corsOrigins: origins === '*' ? '*' : splitOrigins(origins),
    itemsPerPage: e.ITEMS_PER_PAGE,
    maxPageSize: e.MAX_PAGE_SIZE,
    aiSectionTimeoutS: e.AI_SECTION_TIMEOUT_S,
    admin:
      e.ADMIN_EMAIL && e.ADMIN_PASSWORD
        ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD, resetPassword: e.ADMIN_PASSWORD_RESET }
        : undefined,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    trustProxy: e.TRUST_PROXY,
    rateLimits: {
      loginPerEmail: e.RATE_LIMIT_LOGIN_PER_EMAIL,
      loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      registerPerIp: e.RATE_LIMIT_REGISTER_PER_IP,
    },
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    turnstile: { secretKey: e.TURNSTILE_SECRET_KEY, verifyUrl: e.TURNSTILE_VERIFY_URL },
    requestLog: {
      enabled: e.REQUEST_LOG_ENABLED,
      sampleRate: e.REQUEST_LOG_SAMPLE_RATE ?? (production ? 0.1 : 1),
      slowMs: e.REQUEST_LOG_SLOW_MS,
      retentionDays: e.REQUEST_LOG_RETENTION_DAYS,
    },
    aiResearch: { webSearch: e.AI_WEB_SEARCH, maxUses: e.AI_WEB_SEARCH_MAX_USES },
    aiPrices,
    email: {
      provider: e.EMAIL_PROVIDER ?? (production ? 'zeptomail' : 'log'),
      apiKey: e.EMAIL_API_KEY?.startsWith(EMAIL_API_KEY_PREFIX) ? e.EMAIL_API_KEY.slice(EMAIL_API_KEY_PREFIX.length) : e.EMAIL_API_KEY,
      apiBaseUrl: (e.EMAIL_API_BASE_URL ?? DEFAULT_EMAIL_API_BASE_URL).replace(/\/+$/, ''),
      from: { address: e.EMAIL_FROM ?? 'no-reply@localhost', name: e.EMAIL_FROM_NAME ?? 'Planlyze' },
      replyTo: e.EMAIL_REPLY_TO,
      appUrl: (e.APP_URL ?? 'http://localhost:5173').replace(/\/+$/, ''),
      adminAlert: { address: e.ADMIN_ALERT_EMAIL, language: e.ADMIN_ALERT_LANGUAGE },
      maxAttempts: e.EMAIL_MAX_ATTEMPTS,
      timeoutMs: e.EMAIL_TIMEOUT_MS,
      batchSize: e.EMAIL_BATCH_SIZE,
      dispatchIntervalMs: e.EMAIL_DISPATCH_INTERVAL_MS,
      retentionDays: e.EMAIL_OUTBOX_RETENTION_DAYS,
      codeTtlS: e.EMAIL_CODE_TTL_S,
      codeMaxAttempts: e.EMAIL_CODE_MAX_ATTEMPTS,
      requireVerification: e.REQUIRE_EMAIL_VERIFICATION,
    },
  };
}

/**
 * One message per setting: the first (production rules come first and are the stricter) says what to
 * fix; a second, weaker rule about the same value would only repeat it. Messages start with the name.
 */
function onePerSetting(problems: string[]): string[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const setting = /^[A-Z][A-Z0-9_]*/.exec(problem)?.[0] ?? problem;
    if (seen.has(setting)) return false;
    seen.add(setting);
    return true;
  });
}

function splitOrigins(value: string): string[] {
  return value
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o.length > 0);
}

function productionProblems(e: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  if (!e.DATABASE_URL) problems.push('DATABASE_URL is required in production');
  for (const name of ['JWT_SECRET_KEY', 'SECRET_KEY'] as const) {
    const value = e[name];
    if (!value) problems.push(`${name} is required in production`);
    else if (value === DEV_DEFAULTS[name]) problems.push(`${name} is the development default`);
    else if (value.length < MIN_SECRET_LENGTH) problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
    else if (new Set(value).size < 8) problems.push(`${name} is too repetitive to be a secret`);
  }
  if (e.JWT_SECRET_KEY && e.JWT_SECRET_KEY === e.SECRET_KEY) problems.push('JWT_SECRET_KEY and SECRET_KEY must differ');
  if (!e.CORS_ORIGINS) problems.push('CORS_ORIGINS is required in production');
  else if (splitOrigins(e.CORS_ORIGINS).some((o) => o === '*' || o.includes('*')))
    problems.push('CORS_ORIGINS must list explicit origins in production, not *');
  else if (splitOrigins(e.CORS_ORIGINS).some((o) => !/^https:\/\/[^/]+$/.test(o)))
    problems.push('CORS_ORIGINS must be https origins in production');
  if (e.DATABASE_URL === DEV_DEFAULTS.DATABASE_URL) problems.push('DATABASE_URL is the development default');
  if (!e.TURNSTILE_VERIFY_URL.startsWith('https://')) problems.push('TURNSTILE_VERIFY_URL must be https in production');
  if (e.ADMIN_PASSWORD && e.ADMIN_PASSWORD.length < 12) problems.push('ADMIN_PASSWORD must be at least 12 characters in production');
  problems.push(...emailProductionProblems(e));
  return problems;
}

const LOCAL_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|::1)$/i;

/** SPEC-WAVE2 §11.10: production sends real mail through the real provider to real links. */
function emailProductionProblems(e: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  if (e.EMAIL_PROVIDER && e.EMAIL_PROVIDER !== 'zeptomail') problems.push('EMAIL_PROVIDER must be zeptomail in production');
  const key = e.EMAIL_API_KEY?.startsWith(EMAIL_API_KEY_PREFIX) ? e.EMAIL_API_KEY.slice(EMAIL_API_KEY_PREFIX.length) : e.EMAIL_API_KEY;
  if (!key) problems.push('EMAIL_API_KEY is required in production');
  else if (key.length < 20 || /\s/.test(key)) problems.push('EMAIL_API_KEY must be at least 20 characters without whitespace');
  if (e.EMAIL_API_BASE_URL && !e.EMAIL_API_BASE_URL.startsWith('https://')) problems.push('EMAIL_API_BASE_URL must be https in production');
  const fromDomain = e.EMAIL_FROM?.split('@')[1];
  if (!e.EMAIL_FROM) problems.push('EMAIL_FROM is required in production');
  else if (!fromDomain || LOCAL_HOST.test(fromDomain)) problems.push('EMAIL_FROM must not be on localhost in production');
  if (!e.APP_URL) problems.push('APP_URL is required in production');
  else {
    const url = new URL(e.APP_URL);
    if (url.protocol !== 'https:') problems.push('APP_URL must be https in production');
    else if (LOCAL_HOST.test(url.hostname)) problems.push('APP_URL must not be loopback or localhost in production');
  }
  if (!e.REQUIRE_EMAIL_VERIFICATION) problems.push('REQUIRE_EMAIL_VERIFICATION cannot be false in production');
  return problems;
}

const cache = new WeakMap<object, Config | ConfigError>();

/** Parses an env object once and remembers the outcome (a Worker's env is the same object for the isolate). */
export function resolveConfig(env: object): Config {
  let outcome = cache.get(env);
  if (!outcome) {
    try {
      outcome = parseConfig(env as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      outcome = error;
    }
    cache.set(env, outcome);
  }
  if (outcome instanceof ConfigError) throw outcome;
  return outcome;
}
