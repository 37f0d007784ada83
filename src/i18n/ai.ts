/** Messages of the AI group (issue: AI). */
export const aiMessages = {
  // refusals
  'ai.sections_processing': {
    en: 'Some of the requested sections are being generated right now. Wait for that run to finish.',
    ar: 'يجري توليد بعض الأقسام المطلوبة الآن. انتظر حتى ينتهي ذلك.',
  },
  'ai.analysis_changed': {
    en: 'The analysis changed while your request was being prepared. Please try again.',
    ar: 'تغيّر التحليل أثناء تجهيز طلبك. يرجى المحاولة مجدداً.',
  },
  'ai.force_limit_reached': {
    en: 'This analysis has used all 3 forced regenerations.',
    ar: 'استنفد هذا التحليل مرات إعادة التوليد الإجبارية الثلاث.',
  },
  'ai.already_charged': {
    en: 'This report is already being paid for by another request.',
    ar: 'يجري دفع قيمة هذا التقرير في طلب آخر.',
  },
  'ai.already_premium': { en: 'This analysis is already premium.', ar: 'هذا التحليل مميز بالفعل.' },
  'ai.idea_without_letters': {
    en: 'The business idea has no words in Latin or Arabic letters; edit it before generating a report.',
    ar: 'لا تحتوي فكرة المشروع على كلمات بحروف لاتينية أو عربية؛ عدّلها قبل إنشاء التقرير.',
  },
  'ai.section_not_in_tier': {
    en: 'A free report has only the overview and market sections. Upgrade to premium for the others.',
    ar: 'يتضمن التقرير المجاني قسمي النظرة العامة والسوق فقط. رقِّ التقرير إلى مميز للحصول على بقية الأقسام.',
  },
  'ai.generate_limit': {
    en: 'You can start at most 10 report generations per hour.',
    ar: 'يمكنك بدء 10 عمليات توليد تقارير كحد أقصى في الساعة.',
  },
  'ai.validate_limit': {
    en: 'You can request at most 30 AI idea checks per hour.',
    ar: 'يمكنك طلب 30 فحصاً للأفكار بالذكاء الاصطناعي كحد أقصى في الساعة.',
  },
  'ai.invoke_limit': { en: 'You can call the model at most 20 times per hour.', ar: 'يمكنك استدعاء النموذج 20 مرة كحد أقصى في الساعة.' },
  'ai.chat_limit': { en: "You have reached today's chat message limit.", ar: 'وصلت إلى الحد اليومي لرسائل المحادثة.' },
  'ai.chat_needs_premium': {
    en: 'The assistant can discuss premium reports only. Upgrade this report first.',
    ar: 'يمكن للمساعد مناقشة التقارير المميزة فقط. رقِّ هذا التقرير أولاً.',
  },
  'ai.conversation_full': {
    en: 'This conversation has reached 200 messages. Please start a new one.',
    ar: 'وصلت هذه المحادثة إلى 200 رسالة. يرجى بدء محادثة جديدة.',
  },
  'ai.conversation_other_analysis': {
    en: 'This conversation is about another analysis.',
    ar: 'هذه المحادثة تخص تحليلاً آخر.',
  },
  'ai.generation_failed': {
    en: 'The AI service could not generate any section. Any charge for this run has been refunded; please try again.',
    ar: 'لم تتمكن خدمة الذكاء الاصطناعي من توليد أي قسم. أُعيدت أي نقاط خُصمت لهذه العملية؛ يرجى المحاولة مجدداً.',
  },
  'ai.stream_failed': {
    en: 'The report generation stopped because of a server error. Completed sections are saved.',
    ar: 'توقف توليد التقرير بسبب خطأ في الخادم. الأقسام المكتملة محفوظة.',
  },
  // success
  'ok.report_generated': { en: 'Report generated', ar: 'تم توليد التقرير' },
  'ok.report_partly_generated': { en: 'Report generation ended with failed sections', ar: 'انتهى توليد التقرير مع أقسام فاشلة' },
  'ok.report_up_to_date': { en: 'Nothing to generate: the requested sections are complete', ar: 'لا شيء للتوليد: الأقسام المطلوبة مكتملة' },
  'ok.analysis_upgraded': { en: 'Analysis upgraded to premium', ar: 'تمت ترقية التحليل إلى مميز' },
  'ok.idea_checked': { en: 'Idea checked', ar: 'تم فحص الفكرة' },
  'ok.chat_reply': { en: 'Assistant replied', ar: 'ردّ المساعد' },
  'ok.llm_reply': { en: 'Model replied', ar: 'ردّ النموذج' },
  // issue 15: grounded reports
  'ai.competitor_exists': {
    en: 'A competitor with this name and country is already in the catalog.',
    ar: 'يوجد في الفهرس منافس بهذا الاسم والبلد.',
  },
  'ok.competitors_imported': { en: 'Competitors imported', ar: 'تم استيراد المنافسين' },
  'ok.ai_usage': { en: 'AI usage and cost', ar: 'استخدام الذكاء الاصطناعي وتكلفته' },
  'ok.regenerations': { en: 'Regeneration history', ar: 'سجل إعادة التوليد' },
} satisfies Record<string, { en: string; ar: string }>;
