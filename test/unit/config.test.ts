import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_DEFAULTS, parseConfig, resolveConfig } from '../../src/config.js';
import { configProblems, PRODUCTION_ENV } from '../support/config.js';

const strongA = PRODUCTION_ENV.JWT_SECRET_KEY;
const strongB = PRODUCTION_ENV.SECRET_KEY;
const productionBase = { ...PRODUCTION_ENV, CORS_ORIGINS: 'https://app.planlyze.com,https://planlyze.com' };
const problemsOf = configProblems;

describe('config', () => {
  it('gives development safe local defaults', () => {
    const config = parseConfig({});
    expect(config.appEnv).toBe('development');
    expect(config.jwtSecret).toBe(DEV_DEFAULTS.JWT_SECRET_KEY);
    expect(config.jwtTtlSeconds).toBe(86400);
    expect(config.itemsPerPage).toBe(20);
    expect(config.maxPageSize).toBe(100);
    expect(config.aiSectionTimeoutS).toBe(600);
    expect(config.corsOrigins).toBe('*');
    expect(config.trustProxy).toBe(false);
    expect(config.rateLimits).toEqual({ loginPerEmail: 10, loginPerIp: 100, registerPerIp: 20 });
    expect(config.anthropic.apiKey).toBeUndefined();
  });

  it('accepts a safe production configuration', () => {
    const config = parseConfig(productionBase);
    expect(config.appEnv).toBe('production');
    expect(config.corsOrigins).toEqual(['https://app.planlyze.com', 'https://planlyze.com']);
  });

  it.each([
    ['missing JWT secret', { JWT_SECRET_KEY: undefined }, 'JWT_SECRET_KEY is required'],
    ['short JWT secret', { JWT_SECRET_KEY: 'short-secret' }, 'JWT_SECRET_KEY must be at least 32'],
    ['development default JWT secret', { JWT_SECRET_KEY: DEV_DEFAULTS.JWT_SECRET_KEY }, 'JWT_SECRET_KEY is the development default'],
    ['repetitive secret', { SECRET_KEY: 'a'.repeat(40) }, 'SECRET_KEY is too repetitive'],
    ['missing SECRET_KEY', { SECRET_KEY: undefined }, 'SECRET_KEY is required'],
    ['same secret twice', { SECRET_KEY: strongA }, 'must differ'],
    ['wildcard CORS', { CORS_ORIGINS: '*' }, 'CORS_ORIGINS must list explicit origins'],
    ['wildcard CORS in a list', { CORS_ORIGINS: 'https://a.com,*' }, 'CORS_ORIGINS must list explicit origins'],
    ['missing CORS', { CORS_ORIGINS: undefined }, 'CORS_ORIGINS is required'],
    ['plain http origin', { CORS_ORIGINS: 'http://app.planlyze.com' }, 'https origins'],
    ['missing DATABASE_URL', { DATABASE_URL: undefined }, 'DATABASE_URL is required'],
    ['default DATABASE_URL', { DATABASE_URL: DEV_DEFAULTS.DATABASE_URL }, 'DATABASE_URL is the development default'],
    ['weak admin password', { ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'Admin12345' }, 'ADMIN_PASSWORD must be at least 12'],
  ])('production refuses %s', (_name, change, expected) => {
    const problems = problemsOf({ ...productionBase, ...change });
    expect(problems.join('\n')).toContain(expected);
  });

  it('names settings but never echoes secret values', () => {
    const problems = problemsOf({ ...productionBase, JWT_SECRET_KEY: 'tiny-but-secret' });
    expect(problems.join(' ')).not.toContain('tiny-but-secret');
  });

  it('validates types of every variable', () => {
    expect(problemsOf({ JWT_ACCESS_TOKEN_EXPIRES: 'soon' }).join()).toContain('JWT_ACCESS_TOKEN_EXPIRES');
    expect(problemsOf({ MAX_PAGE_SIZE: '0' }).join()).toContain('MAX_PAGE_SIZE');
    expect(problemsOf({ TRUST_PROXY: 'maybe' }).join()).toContain('TRUST_PROXY');
    expect(problemsOf({ APP_ENV: 'staging' }).join()).toContain('APP_ENV');
    expect(problemsOf({ ANTHROPIC_BASE_URL: 'not a url' }).join()).toContain('ANTHROPIC_BASE_URL');
    expect(problemsOf({ ITEMS_PER_PAGE: '50', MAX_PAGE_SIZE: '10' }).join()).toContain('ITEMS_PER_PAGE');
    expect(problemsOf({ ADMIN_EMAIL: 'boss@planlyze.com' }).join()).toContain('ADMIN_PASSWORD is required');
  });

  it('names each setting once: a short production admin password is one message, not two', () => {
    const problems = problemsOf({ ...productionBase, ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'short1' });
    expect(problems).toEqual(['ADMIN_PASSWORD must be at least 12 characters in production']);
    // Outside production the general rule speaks, once.
    expect(problemsOf({ ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'short1' })).toEqual(['ADMIN_PASSWORD must be at least 8 characters']);
  });

  it('parses booleans and numbers from strings', () => {
    const config = parseConfig({ TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_PER_EMAIL: '3', PORT: '9000' });
    expect(config.trustProxy).toBe(true);
    expect(config.rateLimits.loginPerEmail).toBe(3);
    expect(config.port).toBe(9000);
  });

  it('parses once per env object and remembers refusals', () => {
    const env = { ...productionBase };
    expect(resolveConfig(env)).toBe(resolveConfig(env));
    const bad = { ...productionBase, CORS_ORIGINS: '*' };
    expect(() => resolveConfig(bad)).toThrow(ConfigError);
    expect(() => resolveConfig(bad)).toThrow(ConfigError);
  });
});

describe('version', () => {
  it('APP_VERSION matches package.json', async () => {
    const { APP_VERSION } = await import('../../src/version.js');
    const { readFileSync } = await import('node:fs');
    expect(APP_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
