/** Messages of analyses, shares, notifications, conversations, templates (issue: content). */
export const contentMessages = {
  // analyses
  'analysis.idea_locked': {
    en: 'The idea can only be edited before report generation starts.',
    ar: 'لا يمكن تعديل الفكرة إلا قبل بدء إنشاء التقرير.',
  },
  'analysis.not_completed_for_review': {
    en: 'A rating or feedback can be given once the report is completed.',
    ar: 'يمكن إضافة التقييم أو الملاحظات بعد اكتمال التقرير فقط.',
  },
  'ok.analysis_created': { en: 'Analysis created', ar: 'تم إنشاء التحليل' },
  'ok.analysis_updated': { en: 'Analysis updated', ar: 'تم تحديث التحليل' },
  // report shares
  'share.analysis_not_completed': {
    en: 'Only a completed report can be shared.',
    ar: 'لا يمكن مشاركة التقرير إلا بعد اكتماله.',
  },
  'share.link_unavailable': {
    en: 'This shared report does not exist, has expired or has been revoked.',
    ar: 'هذا التقرير المشترك غير موجود أو انتهت صلاحيته أو تم إلغاؤه.',
  },
  'ok.share_created': { en: 'Share link created. The token is shown only once.', ar: 'تم إنشاء رابط المشاركة. يظهر الرمز مرة واحدة فقط.' },
  'ok.share_revoked': { en: 'Share link revoked', ar: 'تم إلغاء رابط المشاركة' },
  'notify.share_opened.title': { en: 'Your shared report was opened', ar: 'تم فتح تقريرك المشترك' },
  'notify.share_opened.message': {
    en: 'Someone opened the link to your report "{idea}".',
    ar: 'فتح أحدهم رابط تقريرك "{idea}".',
  },
  // notifications
  'notification.unknown_user': { en: 'No user has this id.', ar: 'لا يوجد مستخدم بهذا المعرّف.' },
  'ok.notification_read': { en: 'Notification marked as read', ar: 'تم تعليم الإشعار كمقروء' },
  'ok.notifications_read': { en: 'All notifications marked as read', ar: 'تم تعليم كل الإشعارات كمقروءة' },
  'ok.notification_sent': { en: 'Notification sent', ar: 'تم إرسال الإشعار' },
  // conversations
  'conversation.full': {
    en: 'This conversation has reached its limit of {max} messages. Please start a new one.',
    ar: 'وصلت هذه المحادثة إلى حدها الأقصى ({max} رسالة). يرجى بدء محادثة جديدة.',
  },
  'conversation.message_too_long': {
    en: 'A message can be at most {max} characters long.',
    ar: 'يجب ألا تتجاوز الرسالة {max} حرفاً.',
  },
  // email templates
  'email_template.key_taken': { en: 'A template with this key already exists.', ar: 'يوجد قالب بهذا المفتاح مسبقاً.' },
  'email_template.builtin': {
    en: 'The product sends this template; it cannot be deleted. Deactivate it instead.',
    ar: 'يستخدم التطبيق هذا القالب ولا يمكن حذفه. يمكنك تعطيله بدلاً من ذلك.',
  },
  'email_template.missing_variable': {
    en: 'No value was given for "{variable}"; it is left as written.',
    ar: 'لم تُعطَ قيمة للمتغير "{variable}"؛ تُرك كما هو.',
  },
} satisfies Record<string, { en: string; ar: string }>;
