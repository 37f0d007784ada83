import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { MESSAGES, pickLanguage, translate } from '../../src/i18n/messages.js';

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
