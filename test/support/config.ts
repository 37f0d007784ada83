/** A production configuration that passes every refusal, and the refusals of an environment: for the config suites. */
import { ConfigError, parseConfig } from '../../src/config.js';

export const PRODUCTION_ENV = {
  APP_ENV: 'production',
  DATABASE_URL: 'postgres://app:pw@ep-cool-1234.eu-central-1.aws.neon.tech/planlyze?sslmode=require',
  JWT_SECRET_KEY: 'k3J9#xQ2!vL8@pR5$wT1^yU7&zN4*mB6(a',
  SECRET_KEY: 'Q7w!E2r@T9y#U4i$O1p%A8s^D5f&G3h*J6',
  CORS_ORIGINS: 'https://app.planlyze.com',
  // SPEC-WAVE2 §11.10: production needs a real mail provider and public links.
  EMAIL_API_KEY: 'wSsVR61r8xP2Qk7mZt3n9LbA',
  EMAIL_FROM: 'no-reply@planlyze.com',
  APP_URL: 'https://app.planlyze.com',
};

/** The problems parseConfig refuses `env` with; none when it passes. */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
