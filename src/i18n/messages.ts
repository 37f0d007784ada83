/**
 * Every human text the API returns, in English and Arabic. Keys are stable; routes refer to them
 * by key so a missing translation is a type error, not a silent English fallback.
 */
import { aiMessages } from './ai.js';
import { contentMessages } from './content.js';
import { economyMessages } from './economy.js';
import { publicSiteMessages } from './public-site.js';
import { moneyRegionsMessages } from './money-regions.js';
import { emailMessages } from './email.js';

export const LANGS = ['en', 'ar'] as const;
export type Lang = (typeof LANGS)[number];

type Catalog = Record<string, { en: string; ar: string }>;

const errorMessages = {
  VALIDATION_ERROR: { en: 'The request is invalid.', ar: 'الطلب غير صالح.' },
  MALFORMED_JSON: { en: 'The request body is not valid JSON.', ar: 'محتوى الطلب ليس JSON صالحاً.' },
  AUTHENTICATION_ERROR: { en: 'Authentication required.', ar: 'يجب تسجيل الدخول.' },
  TOKEN_EXPIRED: { en: 'Your session has expired. Please sign in again.', ar: 'انتهت صلاحية الجلسة. يرجى تسجيل الدخول مجدداً.' },
  AUTHORIZATION_ERROR: { en: 'You do not have permission to do this.', ar: 'ليست لديك صلاحية للقيام بذلك.' },
  EMAIL_NOT_VERIFIED: { en: 'Please verify your email address first.', ar: 'يرجى تأكيد بريدك الإلكتروني أولاً.' },
  NOT_FOUND: { en: 'The requested resource was not found.', ar: 'المورد المطلوب غير موجود.' },
  CONFLICT: { en: 'This conflicts with existing data.', ar: 'يتعارض هذا مع بيانات موجودة.' },
  INVALID_STATE: { en: 'This action is not allowed in the current state.', ar: 'هذا الإجراء غير مسموح في الحالة الحالية.' },
  INSUFFICIENT_CREDITS: { en: 'You do not have enough credits.', ar: 'رصيدك من النقاط غير كافٍ.' },
  PAYLOAD_TOO_LARGE: { en: 'The request body is too large.', ar: 'حجم الطلب كبير جداً.' },
  UNSUPPORTED_MEDIA_TYPE: { en: 'The request body must be JSON (application/json).', ar: 'يجب أن يكون محتوى الطلب بصيغة JSON.' },
  RATE_LIMITED: { en: 'Too many requests. Please try again later.', ar: 'طلبات كثيرة جداً. يرجى المحاولة لاحقاً.' },
  AI_UNAVAILABLE: { en: 'The AI service is not available right now.', ar: 'خدمة الذكاء الاصطناعي غير متاحة حالياً.' },
  AI_UPSTREAM_ERROR: { en: 'The AI service failed to respond. Please try again.', ar: 'لم تستجب خدمة الذكاء الاصطناعي. يرجى المحاولة مجدداً.' },
  SERVICE_UNAVAILABLE: { en: 'The service is temporarily unavailable.', ar: 'الخدمة غير متاحة مؤقتاً.' },
  MISCONFIGURED: { en: 'The server is not configured correctly.', ar: 'إعدادات الخادم غير صحيحة.' },
  INTERNAL_ERROR: { en: 'An unexpected error occurred.', ar: 'حدث خطأ غير متوقع.' },
} satisfies Catalog;

const specificMessages = {
  // auth
  'auth.invalid_credentials': { en: 'Invalid email or password.', ar: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.' },
  'auth.account_disabled': { en: 'This account has been deactivated.', ar: 'تم تعطيل هذا الحساب.' },
  'auth.email_taken': { en: 'An account with this email already exists.', ar: 'يوجد حساب بهذا البريد الإلكتروني مسبقاً.' },
  'auth.unknown_referral_code': { en: 'The referral code does not exist.', ar: 'رمز الإحالة غير موجود.' },
  'auth.wrong_current_password': { en: 'The current password is incorrect.', ar: 'كلمة المرور الحالية غير صحيحة.' },
  'auth.missing_token': { en: 'A bearer token is required.', ar: 'رمز الدخول مطلوب.' },
  'auth.invalid_token': { en: 'The token is invalid or has been revoked.', ar: 'رمز الدخول غير صالح أو تم إلغاؤه.' },
  'auth.too_many_logins': { en: 'Too many failed sign-in attempts. Please try again later.', ar: 'محاولات دخول فاشلة كثيرة. يرجى المحاولة لاحقاً.' },
  'auth.too_many_password_attempts': { en: 'Too many wrong current passwords. Please try again later.', ar: 'محاولات كثيرة بكلمة مرور حالية خاطئة. يرجى المحاولة لاحقاً.' },
  'auth.too_many_registrations': { en: 'Too many registrations from this address. Please try again later.', ar: 'عدد كبير من التسجيلات من هذا العنوان. يرجى المحاولة لاحقاً.' },
  'auth.missing_permission': { en: 'You need the "{permission}" permission.', ar: 'تحتاج إلى صلاحية "{permission}".' },
  // http
  'http.route_not_found': { en: 'No route matches {method} {path}.', ar: 'لا يوجد مسار يطابق {method} {path}.' },
  'http.invalid_id': { en: 'The id must be a UUID.', ar: 'يجب أن يكون المعرّف بصيغة UUID.' },
  // success messages
  'ok.generic': { en: 'Success', ar: 'تمت العملية بنجاح' },
  'ok.created': { en: 'Created', ar: 'تم الإنشاء' },
  'ok.deleted': { en: 'Deleted', ar: 'تم الحذف' },
  'ok.registered': { en: 'Account created', ar: 'تم إنشاء الحساب' },
  'ok.logged_in': { en: 'Signed in', ar: 'تم تسجيل الدخول' },
  'ok.logged_out': { en: 'Signed out', ar: 'تم تسجيل الخروج' },
  'ok.profile_updated': { en: 'Profile updated', ar: 'تم تحديث الملف الشخصي' },
  'ok.password_changed': { en: 'Password changed', ar: 'تم تغيير كلمة المرور' },
  'ok.healthy': { en: 'Service is healthy', ar: 'الخدمة تعمل بشكل سليم' },
  'health.database_down': { en: 'The database is unreachable.', ar: 'تعذر الوصول إلى قاعدة البيانات.' },
} satisfies Catalog;

export const MESSAGES = {
  ...errorMessages,
  ...specificMessages,
  ...economyMessages,
  ...contentMessages,
  ...aiMessages,
  ...publicSiteMessages,
  ...moneyRegionsMessages,
  ...emailMessages,
} satisfies Catalog;
export type MessageKey = keyof typeof MESSAGES;

export function translate(key: MessageKey, lang: Lang, params?: Record<string, string | number>): string {
  const text = MESSAGES[key][lang];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/**
 * Picks `ar` or `en` from an Accept-Language header by quality value; anything else is English.
 * `ar-SY;q=0.9, en;q=0.8` → ar.
 */
export function pickLanguage(header: string | undefined | null): Lang {
  if (!header) return 'en';
  let best: Lang = 'en';
  let bestQ = -1;
  for (const part of header.split(',')) {
    const [tag = '', ...paramsRaw] = part.trim().split(';');
    const base = tag.trim().toLowerCase().split('-')[0];
    if (base !== 'ar' && base !== 'en') continue;
    const qParam = paramsRaw.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > bestQ) {
      best = base;
      bestQ = q;
    }
  }
  return best;
}
