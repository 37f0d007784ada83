/** Messages of the public site and the support desk (SPEC-WAVE2 §14, §15). */
export const publicSiteMessages = {
  'contact.received': {
    en: 'Thank you. Your message has been received.',
    ar: 'شكراً لك. تم استلام رسالتك.',
  },
  'contact.too_many_messages': {
    en: 'Too many messages. Please try again later.',
    ar: 'رسائل كثيرة جداً. يرجى المحاولة لاحقاً.',
  },
  'contact.turnstile_failed': {
    en: 'The anti-spam check failed. Please reload the page and try again.',
    ar: 'فشل التحقق من مكافحة الرسائل المزعجة. يرجى إعادة تحميل الصفحة والمحاولة مجدداً.',
  },
  'contact.turnstile_unavailable': {
    en: 'The anti-spam check is unavailable right now. Please try again shortly.',
    ar: 'التحقق من مكافحة الرسائل المزعجة غير متاح حالياً. يرجى المحاولة بعد قليل.',
  },
  'contact.message_not_found': { en: 'The contact message was not found.', ar: 'لم يتم العثور على رسالة التواصل.' },
  'contact.invalid_transition': {
    en: 'A message in status "{from}" cannot move to "{to}".',
    ar: 'لا يمكن نقل رسالة من الحالة "{from}" إلى "{to}".',
  },
  'site.partner_not_found': { en: 'The partner was not found.', ar: 'لم يتم العثور على الشريك.' },
  'site.social_link_not_found': { en: 'The social link was not found.', ar: 'لم يتم العثور على رابط التواصل الاجتماعي.' },
  'request_log.not_found': { en: 'The request log entry was not found.', ar: 'لم يتم العثور على سجل الطلب.' },
} satisfies Record<string, { en: string; ar: string }>;
