/** Messages of the credits economy and administration (issue: economy). Same shape as messages.ts. */
export const economyMessages = {
  // ledger
  'credits.below_zero': {
    en: 'This adjustment would take the balance below zero.',
    ar: 'هذا التعديل سيجعل الرصيد أقل من الصفر.',
  },
  'credits.unknown_user': { en: 'No user has this id.', ar: 'لا يوجد مستخدم بهذا المعرّف.' },
  'credits.own_balance': {
    en: 'You cannot adjust your own balance; another administrator must do it.',
    ar: 'لا يمكنك تعديل رصيدك بنفسك؛ يجب أن يقوم بذلك مسؤول آخر.',
  },
  'credits.balance_limit': {
    en: 'This would take the balance above the largest balance an account can hold ({max} credits).',
    ar: 'سيتجاوز هذا أكبر رصيد يمكن أن يحمله حساب ({max} نقطة).',
  },
  'ok.credits_adjusted': { en: 'Credits adjusted', ar: 'تم تعديل النقاط' },
  // catalog
  'catalog.package_unavailable': {
    en: 'This credit package does not exist or is not available.',
    ar: 'باقة النقاط هذه غير موجودة أو غير متاحة.',
  },
  'catalog.method_unavailable': {
    en: 'This payment method does not exist or is not available.',
    ar: 'طريقة الدفع هذه غير موجودة أو غير متاحة.',
  },
  'ok.deactivated_in_use': {
    en: 'It is referenced by existing records, so it was deactivated instead of deleted.',
    ar: 'هذا العنصر مرتبط بسجلات موجودة، لذلك تم تعطيله بدلاً من حذفه.',
  },
  'ok.updated': { en: 'Updated', ar: 'تم التحديث' },
  // payments
  'payment.not_pending': {
    en: 'This payment has already been reviewed.',
    ar: 'تمت مراجعة هذه الدفعة مسبقاً.',
  },
  'payment.own_payment': {
    en: 'You cannot approve your own payment; another administrator must review it.',
    ar: 'لا يمكنك الموافقة على دفعتك بنفسك؛ يجب أن يراجعها مسؤول آخر.',
  },
  'payment.proof_too_large': {
    en: 'The payment proof image must be at most 5 MiB.',
    ar: 'يجب ألا يتجاوز حجم صورة إثبات الدفع 5 ميغابايت.',
  },
  'ok.payment_created': {
    en: 'Payment submitted. It will be reviewed shortly.',
    ar: 'تم إرسال الدفعة وستتم مراجعتها قريباً.',
  },
  'ok.payment_approved': { en: 'Payment approved', ar: 'تمت الموافقة على الدفعة' },
  'ok.payment_rejected': { en: 'Payment rejected', ar: 'تم رفض الدفعة' },
  // discount codes
  'discount.not_found': { en: 'This discount code does not exist.', ar: 'رمز الخصم هذا غير موجود.' },
  'payment.too_many_pending': {
    en: 'You already have 5 payments waiting for review. Wait for a decision before submitting another.',
    ar: 'لديك بالفعل 5 دفعات بانتظار المراجعة. انتظر القرار قبل إرسال دفعة أخرى.',
  },
  'discount.too_many_lookups': {
    en: 'Too many unknown discount codes were tried. Try again later.',
    ar: 'تمت تجربة عدد كبير من رموز الخصم غير الموجودة. حاول مرة أخرى لاحقاً.',
  },
  'discount.inactive': { en: 'This discount code is not active.', ar: 'رمز الخصم هذا غير مفعّل.' },
  'discount.not_yet_valid': { en: 'This discount code is not valid yet.', ar: 'رمز الخصم هذا غير صالح بعد.' },
  'discount.expired': { en: 'This discount code has expired.', ar: 'انتهت صلاحية رمز الخصم هذا.' },
  'discount.exhausted': {
    en: 'This discount code has been used the maximum number of times.',
    ar: 'تم استخدام رمز الخصم هذا الحد الأقصى من المرات.',
  },
  'discount.per_user_limit': {
    en: 'You have already used this discount code the maximum number of times.',
    ar: 'لقد استخدمت رمز الخصم هذا الحد الأقصى من المرات.',
  },
  'discount.below_minimum': {
    en: 'The order total is below the minimum purchase amount for this code.',
    ar: 'إجمالي الطلب أقل من الحد الأدنى للشراء لهذا الرمز.',
  },
  'discount.code_taken': {
    en: 'A discount code with this code already exists.',
    ar: 'يوجد رمز خصم بهذا الرمز مسبقاً.',
  },
  'discount.invalid_change': {
    en: 'This change would break a rule of the discount code.',
    ar: 'هذا التعديل يخالف إحدى قواعد رمز الخصم.',
  },
  'ok.discount_valid': { en: 'The discount code can be used', ar: 'يمكن استخدام رمز الخصم' },
  // referrals
  'referral.unknown_code': { en: 'No user has this referral code.', ar: 'لا يوجد مستخدم برمز الإحالة هذا.' },
  'referral.own_code': { en: 'You cannot use your own referral code.', ar: 'لا يمكنك استخدام رمز الإحالة الخاص بك.' },
  'referral.already_referred': {
    en: 'A referral code has already been applied to your account.',
    ar: 'تم تطبيق رمز إحالة على حسابك مسبقاً.',
  },
  'referral.cycle': {
    en: 'This user was referred by you; referrals cannot go in a circle.',
    ar: 'هذا المستخدم تمت إحالته بواسطتك؛ لا يمكن أن تكون الإحالات دائرية.',
  },
  'referral.too_late': {
    en: 'A referral code can only be applied before your first premium report is completed.',
    ar: 'يمكن تطبيق رمز الإحالة فقط قبل اكتمال أول تقرير مميز لك.',
  },
  'ok.referral_applied': { en: 'Referral code applied', ar: 'تم تطبيق رمز الإحالة' },
  // settings
  'settings.unknown_key': { en: 'There is no setting named "{key}".', ar: 'لا يوجد إعداد باسم "{key}".' },
  'ok.setting_updated': { en: 'Setting updated', ar: 'تم تحديث الإعداد' },
  // roles and users
  'role.unknown_permission': { en: 'Unknown permission name.', ar: 'اسم صلاحية غير معروف.' },
  'role.cannot_grant': {
    en: 'You cannot grant the "{permission}" permission because you do not hold it.',
    ar: 'لا يمكنك منح صلاحية "{permission}" لأنك لا تملكها.',
  },
  'role.target_outranks': {
    en: 'You cannot change the role or active state of a user who holds the "{permission}" permission, which you do not hold.',
    ar: 'لا يمكنك تغيير دور أو حالة مستخدم يملك صلاحية "{permission}" التي لا تملكها.',
  },
  'role.super_admin_only': {
    en: 'Only a super admin can assign, edit or remove the super admin role.',
    ar: 'فقط المدير العام يمكنه إسناد دور المدير العام أو تعديله أو إزالته.',
  },
  'role.builtin': { en: 'Built-in roles cannot be changed or deleted.', ar: 'لا يمكن تعديل الأدوار المدمجة أو حذفها.' },
  'role.name_taken': { en: 'A role with this name already exists.', ar: 'يوجد دور بهذا الاسم مسبقاً.' },
  'role.in_use': {
    en: 'This role is assigned to users; reassign them before deleting it.',
    ar: 'هذا الدور مُسند إلى مستخدمين؛ أعد إسنادهم قبل حذفه.',
  },
  'role.unknown': { en: 'There is no role with this name.', ar: 'لا يوجد دور بهذا الاسم.' },
  'ok.user_updated': { en: 'User updated', ar: 'تم تحديث المستخدم' },
  'state.value_out_of_range': {
    en: 'A number in this request would leave the range the data can hold.',
    ar: 'رقم في هذا الطلب سيتجاوز النطاق الذي يمكن تخزينه.',
  },
  'state.changed_concurrently': {
    en: 'The object changed while the request was processed. Please try again.',
    ar: 'تغيّر العنصر أثناء معالجة الطلب. يرجى المحاولة مجدداً.',
  },
  // notifications written by the economy (EN + AR are both stored on the notification)
  'notify.payment_approved.title': { en: 'Payment approved', ar: 'تمت الموافقة على دفعتك' },
  'notify.payment_approved.message': {
    en: 'Your payment was approved and the credits were added to your balance.',
    ar: 'تمت الموافقة على دفعتك وأُضيفت النقاط إلى رصيدك.',
  },
  'notify.payment_rejected.title': { en: 'Payment rejected', ar: 'تم رفض دفعتك' },
  'notify.payment_rejected.message': {
    en: 'Your payment was rejected: {reason}',
    ar: 'تم رفض دفعتك: {reason}',
  },
  'notify.credits_added.title': { en: 'Credits added', ar: 'تمت إضافة نقاط' },
  'notify.credits_added.message': {
    en: '{credits} credits were added to your balance.',
    ar: 'تمت إضافة {credits} نقطة إلى رصيدك.',
  },
  'notify.referral_joined.title': { en: 'A friend joined Planlyze', ar: 'انضم صديق إلى Planlyze' },
  'notify.referral_joined.message': {
    en: 'Someone used your referral code. You will receive bonus credits after their first premium report.',
    ar: 'استخدم شخص ما رمز الإحالة الخاص بك. ستحصل على نقاط إضافية بعد أول تقرير مميز له.',
  },
  'notify.referral_rewarded.title': { en: 'Referral bonus earned', ar: 'حصلت على مكافأة الإحالة' },
  'notify.referral_rewarded.message': {
    en: 'A friend you invited completed their first premium report. Bonus credits were added to your balance.',
    ar: 'أكمل صديق دعوته أول تقرير مميز له. أُضيفت نقاط المكافأة إلى رصيدك.',
  },
} satisfies Record<string, { en: string; ar: string }>;
