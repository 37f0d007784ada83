/** Messages of email, verification and password reset (SPEC-WAVE2 §11). Same shape as messages.ts. */
export const emailMessages = {
  'email.invalid_or_expired': {
    en: 'The code is invalid or has expired.',
    ar: 'الرمز غير صالح أو انتهت صلاحيته.',
  },
  'email.already_verified': { en: 'This email address is already verified.', ar: 'تم تأكيد هذا البريد الإلكتروني مسبقاً.' },
  'email.too_many_attempts': {
    en: 'Too many wrong codes from this address. Please try again later.',
    ar: 'رموز خاطئة كثيرة من هذا العنوان. يرجى المحاولة لاحقاً.',
  },
  'email.too_many_mails': {
    en: 'Please wait before asking for another email.',
    ar: 'يرجى الانتظار قبل طلب رسالة أخرى.',
  },
  'email.too_many_test_sends': { en: 'Too many test emails. Please try again later.', ar: 'رسائل تجريبية كثيرة. يرجى المحاولة لاحقاً.' },
  'email.no_verified_address': {
    en: 'Test emails go to your own verified address; verify it first.',
    ar: 'تُرسل الرسائل التجريبية إلى بريدك المؤكَّد فقط؛ أكّده أولاً.',
  },
  'email.missing_variables': { en: 'Some template variables have no value.', ar: 'بعض متغيرات القالب بلا قيمة.' },
  'email.unknown_placeholders': {
    en: 'The template uses placeholders this email does not provide.',
    ar: 'يستخدم القالب متغيرات لا توفرها هذه الرسالة.',
  },
  'email.outbox_not_retryable': {
    en: 'Only failed or cancelled emails can be retried.',
    ar: 'لا يمكن إعادة المحاولة إلا للرسائل الفاشلة أو الملغاة.',
  },
  'email.secret_discarded': {
    en: 'This email carried a one-time code that was discarded; the user must ask for a new code.',
    ar: 'كانت هذه الرسالة تحمل رمزاً لمرة واحدة تم حذفه؛ على المستخدم طلب رمز جديد.',
  },
  'email.outbox_not_pending': { en: 'Only pending emails can be cancelled.', ar: 'لا يمكن إلغاء إلا الرسائل المعلّقة.' },
  'ok.email_verified': { en: 'Email verified', ar: 'تم تأكيد البريد الإلكتروني' },
  'ok.email_sent': {
    en: 'If the address can receive it, an email is on its way.',
    ar: 'إذا كان العنوان قادراً على استلامها، فالرسالة في طريقها إليه.',
  },
  // The in-app admin alerts of SPEC-WAVE2 §11.4, one per event and recipient (email/events.ts adminAlertStatements).
  'notify.admin_new_payment.title': { en: 'New payment to review', ar: 'دفعة جديدة للمراجعة' },
  'notify.admin_new_payment.message': {
    en: '{payer_email} submitted a payment of ${amount_usd}.',
    ar: 'أرسل {payer_email} دفعة بقيمة {amount_usd}$.',
  },
  'notify.admin_analysis_failed.title': { en: 'A report run failed', ar: 'فشل إنشاء تقرير' },
  'notify.admin_analysis_failed.message': {
    en: 'The run of analysis {analysis_id} ended with {error_code}.',
    ar: 'انتهى تشغيل التحليل {analysis_id} بالخطأ {error_code}.',
  },
  'notify.admin_contact_message.title': { en: 'New contact message', ar: 'رسالة تواصل جديدة' },
  'notify.admin_contact_message.message': {
    en: 'From {name} <{email}>: {subject}',
    ar: 'من {name} <{email}>: {subject}',
  },
  'notify.admin_new_rating.title': { en: 'New report rating', ar: 'تقييم جديد لتقرير' },
  'notify.admin_new_rating.message': {
    en: 'Analysis {analysis_id} was rated {rating}.',
    ar: 'تم تقييم التحليل {analysis_id} بـ {rating}.',
  },
  'notify.admin_ngo_request.title': { en: 'New NGO application', ar: 'طلب منظمة جديد' },
  'notify.admin_ngo_request.message': {
    en: '{organization} applied to join the NGO programme.',
    ar: 'تقدّمت {organization} بطلب للانضمام إلى برنامج المنظمات.',
  },
  'ok.code_valid': { en: 'The code is valid', ar: 'الرمز صالح' },
  'ok.password_reset': { en: 'Password reset. Please sign in again.', ar: 'تمت إعادة تعيين كلمة المرور. يرجى تسجيل الدخول مجدداً.' },
} as const;
