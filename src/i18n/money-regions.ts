/** Messages of currencies (SPEC-WAVE2 §12) and the NGO programme (§13). Same shape as messages.ts. */
export const moneyRegionsMessages = {
  // currencies
  'currency.not_found': { en: 'This currency does not exist or is not available.', ar: 'هذه العملة غير موجودة أو غير متاحة.' },
  'currency.unavailable': { en: 'This currency does not exist or is not active.', ar: 'هذه العملة غير موجودة أو غير مفعّلة.' },
  'currency.amount_too_large': {
    en: 'The amount in this currency is too large to record.',
    ar: 'المبلغ بهذه العملة أكبر من أن يُسجَّل.',
  },
  'currency.rate_stale': {
    en: 'The exchange rate of this currency is out of date. Please try again later or pay in US dollars.',
    ar: 'سعر صرف هذه العملة قديم. يرجى المحاولة لاحقاً أو الدفع بالدولار الأمريكي.',
  },
  'currency.price_changed': {
    en: 'The price has changed since it was shown to you. Please review the new amount.',
    ar: 'تغيّر السعر منذ عرضه عليك. يرجى مراجعة المبلغ الجديد.',
  },
  'currency.code_taken': { en: 'A currency with this code already exists.', ar: 'توجد عملة بهذا الرمز مسبقاً.' },
  'currency.code_in_use': {
    en: 'Payments use this currency code, so it cannot change.',
    ar: 'هناك مدفوعات تستخدم رمز هذه العملة، لذا لا يمكن تغييره.',
  },
  'currency.default_conflict': {
    en: 'Another currency was made the default at the same time. Please try again.',
    ar: 'تم تعيين عملة أخرى افتراضية في الوقت نفسه. يرجى المحاولة مجدداً.',
  },
  'currency.invalid_change': { en: 'This change is not allowed for this currency.', ar: 'هذا التغيير غير مسموح لهذه العملة.' },
  'currency.usd_immutable': {
    en: 'The US dollar is the base currency: its code, rate, decimals and active state cannot change.',
    ar: 'الدولار الأمريكي هو العملة الأساسية: لا يمكن تغيير رمزه أو سعره أو منازله العشرية أو حالة تفعيله.',
  },
  'currency.default_required': {
    en: 'There must be a default currency: make another currency the default instead.',
    ar: 'يجب وجود عملة افتراضية: اجعل عملة أخرى افتراضية بدلاً من ذلك.',
  },
  'currency.default_inactive': {
    en: 'The default currency must stay active.',
    ar: 'يجب أن تبقى العملة الافتراضية مفعّلة.',
  },
  'currency.usd_protected': { en: 'The US dollar cannot be deleted.', ar: 'لا يمكن حذف الدولار الأمريكي.' },
  'currency.default_protected': {
    en: 'The default currency cannot be deleted; make another currency the default first.',
    ar: 'لا يمكن حذف العملة الافتراضية؛ اجعل عملة أخرى افتراضية أولاً.',
  },
  // NGO programme
  'ngo.access_required': {
    en: 'Only an approved NGO account can do this.',
    ar: 'لا يمكن القيام بهذا إلا لحساب منظمة معتمد.',
  },
  'ngo.not_found': { en: 'Not found.', ar: 'غير موجود.' },
  'ngo.live_request_exists': {
    en: 'You already have a pending or approved NGO application.',
    ar: 'لديك طلب منظمة قيد المراجعة أو معتمد بالفعل.',
  },
  'ngo.invalid_transition': {
    en: 'This application cannot move to that state from its current state.',
    ar: 'لا يمكن نقل هذا الطلب إلى تلك الحالة من حالته الحالية.',
  },
  'ngo.funding_locked': {
    en: 'The funding of a voucher cannot change once it has been redeemed.',
    ar: 'لا يمكن تغيير تمويل القسيمة بعد استخدامها.',
  },
  'ngo.invalid_voucher': { en: 'These voucher settings are not valid.', ar: 'إعدادات القسيمة هذه غير صالحة.' },
  'ngo.voucher_unknown': { en: 'No voucher has this code.', ar: 'لا توجد قسيمة بهذا الرمز.' },
  'ngo.voucher_inactive': { en: 'This voucher is not active.', ar: 'هذه القسيمة غير مفعّلة.' },
  'ngo.voucher_not_started': { en: 'This voucher is not valid yet.', ar: 'هذه القسيمة غير صالحة بعد.' },
  'ngo.voucher_expired': { en: 'This voucher has expired.', ar: 'انتهت صلاحية هذه القسيمة.' },
  'ngo.voucher_exhausted': { en: 'This voucher has been used the maximum number of times.', ar: 'استُخدمت هذه القسيمة الحد الأقصى من المرات.' },
  'ngo.voucher_conflict': {
    en: 'This report is already linked to a programme, or you have already used this voucher.',
    ar: 'هذا التقرير مرتبط ببرنامج مسبقاً، أو أنك استخدمت هذه القسيمة من قبل.',
  },
  'ngo.voucher_unfunded': {
    en: 'The organisation behind this voucher cannot fund more reports right now.',
    ar: 'لا تستطيع المنظمة صاحبة هذه القسيمة تمويل المزيد من التقارير حالياً.',
  },
  'ngo.too_many_lookups': {
    en: 'Too many unknown voucher codes. Please try again later.',
    ar: 'رموز قسائم غير معروفة كثيرة. يرجى المحاولة لاحقاً.',
  },
  'ngo.consent_required': {
    en: 'You must agree to share your name, email, phone number and this report with the organisation.',
    ar: 'يجب أن توافق على مشاركة اسمك وبريدك الإلكتروني ورقم هاتفك وهذا التقرير مع المنظمة.',
  },
  'ngo.profile_incomplete': {
    en: 'Please add your full name and phone number to your profile first.',
    ar: 'يرجى إضافة اسمك الكامل ورقم هاتفك إلى ملفك الشخصي أولاً.',
  },
  'ngo.already_unlinked': { en: 'This report is already unlinked.', ar: 'هذا التقرير غير مرتبط بالفعل.' },
  'ok.ngo_request_created': { en: 'Application submitted', ar: 'تم إرسال الطلب' },
  'ok.voucher_redeemed': { en: 'Voucher applied: the report is linked to the programme', ar: 'تم تطبيق القسيمة وربط التقرير بالبرنامج' },
} as const;
