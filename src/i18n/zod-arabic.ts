/**
 * Arabic messages for zod's built-in checks. zod's own Arabic locale names types and sizes in English
 * ("يفترض إدخال string", "أن تكون string <= 120 حرف"); here the issues that mention a type or an
 * origin are phrased in Arabic, and every other issue keeps the locale's (already Arabic) wording.
 * Only the Arabic locale is imported (`zod/v4/locales/ar.js`), not the whole set of locales.
 */
import type * as z from 'zod';
import arabicLocale from 'zod/v4/locales/ar.js';

const fallback = arabicLocale().localeError;

/** Type and origin names as zod reports them → Arabic. */
const TYPE_NAMES: Record<string, string> = {
  string: 'نص',
  number: 'رقم',
  int: 'عدد صحيح',
  bigint: 'عدد صحيح كبير',
  boolean: 'قيمة منطقية (true أو false)',
  object: 'كائن',
  array: 'قائمة',
  set: 'مجموعة',
  map: 'خريطة',
  date: 'تاريخ',
  null: 'قيمة فارغة (null)',
  undefined: 'لا شيء',
  nan: 'قيمة غير رقمية (NaN)',
  file: 'ملف',
  function: 'دالة',
  symbol: 'رمز',
};

/** What a size is counted in, per origin. */
const UNITS: Record<string, string> = { string: 'حرفًا', array: 'عنصرًا', set: 'عنصرًا', map: 'عنصرًا', file: 'بايت' };

const typeName = (name: string | undefined) => (name ? (TYPE_NAMES[name] ?? name) : 'قيمة');

/** The JSON type of a received value, in zod's vocabulary. */
function receivedType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number') return Number.isNaN(input) ? 'nan' : 'number';
  return typeof input;
}

function sizeMessage(kind: 'too_big' | 'too_small', origin: string | undefined, limit: string, inclusive: boolean | undefined) {
  const unit = origin ? UNITS[origin] : undefined;
  if (unit) {
    const bound = kind === 'too_big' ? (inclusive ? 'على الأكثر' : 'أقل من') : inclusive ? 'على الأقل' : 'أكثر من';
    return `${kind === 'too_big' ? 'أطول من اللازم' : 'أقصر من اللازم'}: يجب أن يحوي ${bound} ${limit} ${unit}`;
  }
  const relation = kind === 'too_big' ? (inclusive ? 'أصغر من أو يساوي' : 'أصغر من') : inclusive ? 'أكبر من أو يساوي' : 'أكبر من';
  return `${kind === 'too_big' ? 'أكبر من اللازم' : 'أصغر من اللازم'}: يجب أن تكون القيمة ${relation} ${limit}`;
}

export const arabicZodErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const received = receivedType(issue.input);
      if (issue.input === undefined) return `حقل مطلوب: يجب إدخال ${typeName(issue.expected)}`;
      return `نوع غير مقبول: يجب إدخال ${typeName(issue.expected)}، ولكن أُدخل ${typeName(received)}`;
    }
    case 'too_big':
      return sizeMessage('too_big', issue.origin, String(issue.maximum), issue.inclusive);
    case 'too_small':
      return sizeMessage('too_small', issue.origin, String(issue.minimum), issue.inclusive);
    case 'invalid_key':
    case 'invalid_element':
      return `مدخل غير مقبول في ${typeName(issue.origin)}`;
    default:
      return fallback(issue);
  }
};
