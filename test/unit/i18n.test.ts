import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { MESSAGES, pickLanguage, translate } from '../../src/i18n/messages.js';
import * as z from 'zod';
import { arabicZodErrors } from '../../src/i18n/zod-arabic.js';

describe('i18n', () => {
  it('has an English and an Arabic text for every error code', () => {
    for (const code of ERROR_CODES) {
      expect(MESSAGES[code].en.length).toBeGreaterThan(0);
      expect(MESSAGES[code].ar).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it('has Arabic for every message', () => {
    for (const [key, value] of Object.entries(MESSAGES)) {
      expect(value.ar, key).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['ar', 'ar'],
    ['ar-SY', 'ar'],
    ['AR', 'ar'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR, ar;q=0.5', 'ar'],
    ['en;q=0.4, ar;q=0.8', 'ar'],
    ['ar;q=0.2, en;q=0.9', 'en'],
    ['de, fr', 'en'],
    ['ar;q=abc', 'en'],
  ])('Accept-Language %s → %s', (header, lang) => {
    expect(pickLanguage(header)).toBe(lang);
  });

  it('interpolates parameters', () => {
    expect(translate('auth.missing_permission', 'en', { permission: 'manage_roles' })).toContain('manage_roles');
    expect(translate('auth.missing_permission', 'ar', { permission: 'manage_roles' })).toContain('manage_roles');
  });
});

describe('Arabic validation messages (src/i18n/zod-arabic.ts)', () => {
  /** One schema and one bad input for each issue code zod reports. */
  const cases: [string, z.ZodType, unknown][] = [
    ['invalid_type (missing)', z.object({ name: z.string() }), {}],
    ['invalid_type', z.object({ name: z.string() }), { name: 5 }],
    ['too_big', z.string().max(3), 'abcdef'],
    ['too_small', z.array(z.number()).min(2), [1]],
    ['too_small number', z.number().int().min(1), 0],
    ['invalid_format email', z.email(), 'nope'],
    ['invalid_format url', z.url(), 'nope'],
    ['invalid_format uuid', z.uuid(), 'nope'],
    ['invalid_format datetime', z.iso.datetime(), 'nope'],
    ['invalid_format regex', z.string().regex(/^[A-Z]+$/), 'abc'],
    ['invalid_format starts_with', z.string().startsWith('https://'), 'http://x'],
    ['invalid_value', z.enum(['en', 'ar']), 'fr'],
    ['invalid_value literal', z.literal(true), false],
    ['not_multiple_of', z.number().multipleOf(5), 7],
    ['unrecognized_keys', z.strictObject({ a: z.string() }), { a: 'x', b: 1, c: 2 }],
    ['invalid_union', z.union([z.string(), z.number()]), true],
    ['invalid_element', z.map(z.string(), z.number()), new Map([['a', 'b']])],
  ];
  /** zod's vocabulary in English, which its own Arabic locale leaked into its messages. */
  const ENGLISH = /\b(string|number|int|boolean|object|array|instanceof|email|url|datetime|undefined)\b/;

  it.each(cases)('%s is phrased in Arabic, with no English type or format name', (_name, schema, input) => {
    const result = schema.safeParse(input, { error: arabicZodErrors });
    expect(result.success).toBe(false);
    for (const issue of result.error!.issues) {
      expect(issue.message).toMatch(/[\u0600-\u06FF]/);
      expect(issue.message).not.toMatch(ENGLISH);
    }
  });

  it('names the choices of an enum and the unknown keys', () => {
    const choice = z.enum(['en', 'ar']).safeParse('fr', { error: arabicZodErrors });
    expect(choice.error!.issues[0]!.message).toContain('"en" | "ar"');
    const keys = z.strictObject({ a: z.string() }).safeParse({ a: 'x', b: 1, c: 2 }, { error: arabicZodErrors });
    expect(keys.error!.issues[0]!.message).toContain('b، c');
  });
});
