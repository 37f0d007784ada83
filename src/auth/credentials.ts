/** Password policy (SPEC §2) and the hashing parameters the environment uses. */
import * as z from 'zod';
import type { Config } from '../config.js';
import { PRODUCTION_SCRYPT, TEST_SCRYPT, type ScryptParams } from './password.js';

export const EmailInput = z.string().trim().toLowerCase().max(254).pipe(z.email());

export const PasswordInput = z
  .string()
  .min(8)
  .max(128)
  .refine((p) => /\p{L}/u.test(p), 'must contain a letter')
  .refine((p) => /\p{Nd}/u.test(p), 'must contain a digit');

/**
 * Production and development hash with the OWASP setting (scrypt N=2^14, r=8, p=5). The test suite
 * alone uses cheap parameters so hundreds of registrations stay fast; hashes record their parameters
 * and are upgraded on the next login wherever they are below the target.
 */
export function scryptParamsFor(config: Pick<Config, 'appEnv'>): Readonly<ScryptParams> {
  return config.appEnv === 'test' ? TEST_SCRYPT : PRODUCTION_SCRYPT;
}
