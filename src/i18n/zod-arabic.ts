/**
 * Arabic messages for zod's built-in checks, one for each issue code zod reports. zod's own Arabic
 * locale names types, sizes and formats in English ("يفترض إدخال string", "أن تكون string <= 120 حرف"),
 * so it is not used at all: every message here is phrased in Arabic, with type, unit and format names
 * translated (and the Worker bundle carries no locale file).
 */
import type * as z from 'zod';

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

/** The string formats the API's schemas use → Arabic; any other keeps zod's name. */
const FORMAT_NAMES: Record<string, string> = {
  email: 'بريد إلكتروني',
  url: 'رابط',
  uuid: 'معرّف UUID',
  guid: 'معرّف GUID',
  datetime: 'تاريخ ووقت بصيغة ISO 8601',
  date: 'تاريخ بصيغة ISO 8601 (YYYY-MM-DD)',
  time: 'وقت بصيغة ISO 8601',
  e164: 'رقم هاتف بصيغة E.164',
  ipv4: 'عنوان IPv4',
  ipv6: 'عنوان IPv6',
  base64: 'نص بترميز base64',
  jwt: 'رمز JWT',
};

/** A literal as the client would type it: strings quoted, everything else as JSON. */
const literal = (value: unknown) => (typeof value === 'string' ? `"${value}"` : typeof value === 'bigint' ? `${value}` : JSON.stringify(value));

function formatMessage(issue: z.core.$ZodStringFormatIssues): string {
  switch (issue.format) {
    case 'starts_with':
      return `نص غير مقبول: يجب أن يبدأ بـ "${issue.prefix}"`;
    case 'ends_with':
      return `نص غير مقبول: يجب أن ينتهي بـ "${issue.suffix}"`;
    case 'includes':
      return `نص غير مقبول: يجب أن يتضمّن "${issue.includes}"`;
    case 'regex':
      return 'نص غير مقبول: لا يطابق الصيغة المطلوبة';
    default:
      return `صيغة غير مقبولة: يجب إدخال ${FORMAT_NAMES[issue.format] ?? issue.format}`;
  }
}

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
    case 'invalid_format':
      return formatMessage(issue as z.core.$ZodStringFormatIssues);
    case 'invalid_value':
      return issue.values.length === 1
        ? `قيمة غير مقبولة: يجب إدخال ${literal(issue.values[0])}`
        : `اختيار غير مقبول: يجب اختيار واحد من ${issue.values.map(literal).join(' | ')}`;
    case 'not_multiple_of':
      return `رقم غير مقبول: يجب أن يكون من مضاعفات ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `${issue.keys.length > 1 ? 'حقول غير معروفة' : 'حقل غير معروف'}: ${issue.keys.join('، ')}`;
    case 'invalid_key':
    case 'invalid_element':
      return `مدخل غير مقبول في ${typeName(issue.origin)}`;
    default:
      return 'مدخل غير مقبول';
  }
};
