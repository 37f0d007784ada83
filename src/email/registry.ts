/**
 * The product's email templates (SPEC-WAVE2 §11.3): the keys the code sends, their variables, which of
 * them are secret, their category and the preference that governs them. Stored templates (table
 * `email_templates`) hold the editable texts; account mail also has built-in texts used when the stored
 * one is missing or inactive, so an admin edit can never lock users out.
 *
 * Secret variables (`code`) never pass through an editable template: the layout (render.ts) shows them
 * in a fixed block held in code.
 */
export type EmailCategory = 'account' | 'user' | 'admin';

export interface TemplateTexts {
  name: string;
  description: string;
  subject_en: string;
  subject_ar: string;
  body_en: string;
  body_ar: string;
}

export interface RegistryEntry {
  category: EmailCategory;
  /** Non-secret variables the template may use (plus the globals). */
  variables: readonly string[];
  /** Secret variables, shown only by the layout's fixed block. */
  secrets: readonly string[];
  /** The notification_preferences key that must not be false (user/admin mail). */
  preference?: string;
  /** Seeded when missing; for account mail also the built-in fallback. */
  texts: TemplateTexts;
}

/** Available to every template. */
export const GLOBAL_VARIABLES = ['app_name', 'app_url', 'support_email'] as const;

const hello = { en: '<p>Hello {{name}},</p>', ar: '<p>مرحباً {{name}}،</p>' };

export const EMAIL_REGISTRY = {
  email_verification: {
    category: 'account',
    variables: ['name', 'expires_minutes'],
    secrets: ['code'],
    texts: {
      name: 'Email verification code',
      description: 'Sent at registration and on resend; the code is added by the layout.',
      subject_en: 'Your {{app_name}} verification code',
      subject_ar: 'رمز التحقق الخاص بك في {{app_name}}',
      body_en: `${hello.en}<p>Use this code to verify your email address. It expires in {{expires_minutes}} minutes.</p>`,
      body_ar: `${hello.ar}<p>استخدم هذا الرمز لتأكيد بريدك الإلكتروني. تنتهي صلاحيته خلال {{expires_minutes}} دقيقة.</p>`,
    },
  },
  password_reset_code: {
    category: 'account',
    variables: ['name', 'expires_minutes'],
    secrets: ['code'],
    texts: {
      name: 'Password reset code',
      description: 'Sent when a password reset is requested; the code is added by the layout.',
      subject_en: 'Your {{app_name}} password reset code',
      subject_ar: 'رمز إعادة تعيين كلمة المرور في {{app_name}}',
      body_en: `${hello.en}<p>Use this code to reset your password. It expires in {{expires_minutes}} minutes. If you did not ask for it, ignore this email.</p>`,
      body_ar: `${hello.ar}<p>استخدم هذا الرمز لإعادة تعيين كلمة المرور. تنتهي صلاحيته خلال {{expires_minutes}} دقيقة. إن لم تطلبه فتجاهل هذه الرسالة.</p>`,
    },
  },
  password_changed: {
    category: 'account',
    variables: ['name'],
    secrets: [],
    texts: {
      name: 'Password changed',
      description: 'Sent after a password change or reset.',
      subject_en: 'Your {{app_name}} password was changed',
      subject_ar: 'تم تغيير كلمة المرور في {{app_name}}',
      body_en: `${hello.en}<p>Your password was just changed. If this was not you, reset your password at once and contact {{support_email}}.</p>`,
      body_ar: `${hello.ar}<p>تم تغيير كلمة المرور للتو. إن لم تكن أنت، فأعد تعيينها فوراً وتواصل مع {{support_email}}.</p>`,
    },
  },
  payment_approved: {
    category: 'user',
    variables: ['name', 'amount_usd', 'credits'],
    secrets: [],
    preference: 'payment_approved',
    texts: {
      name: 'Payment approved',
      description: 'Sent when an admin approves a manual payment.',
      subject_en: 'Your payment was approved',
      subject_ar: 'تمت الموافقة على دفعتك',
      body_en: '<p>Hello {{name}},</p><p>Your payment of ${{amount_usd}} was approved and {{credits}} credits were added to your account.</p>',
      body_ar: '<p>مرحباً {{name}}،</p><p>تمت الموافقة على دفعتك بقيمة {{amount_usd}}$ وأضيفت {{credits}} نقاط إلى حسابك.</p>',
    },
  },
  payment_rejected: {
    category: 'user',
    variables: ['name', 'reason'],
    secrets: [],
    preference: 'payment_rejected',
    texts: {
      name: 'Payment rejected',
      description: 'Sent when an admin rejects a manual payment.',
      subject_en: 'Your payment could not be approved',
      subject_ar: 'تعذرت الموافقة على دفعتك',
      body_en: '<p>Hello {{name}},</p><p>Your payment could not be approved: {{reason}}</p>',
      body_ar: '<p>مرحباً {{name}}،</p><p>تعذرت الموافقة على دفعتك: {{reason}}</p>',
    },
  },
  credits_added: userTemplate('credits_added', ['name', 'credits', 'balance'], 'Credits added', 'Sent when an admin adds credits.',
    ['{{credits}} credits were added to your account', 'أضيفت {{credits}} نقاط إلى حسابك'],
    ['{{credits}} credits were added to your account. Your balance is now {{balance}}.', 'أضيفت {{credits}} نقاط إلى حسابك. رصيدك الآن {{balance}}.']),
  credits_low: userTemplate('credits_low', ['name', 'balance'], 'Credits running low', 'Sent when a debit takes the balance to the low-credit threshold.',
    ['Your credits are running low', 'رصيد نقاطك منخفض'],
    ['Your balance is now {{balance}} credits. Top up at {{app_url}} to keep creating premium reports.', 'رصيدك الآن {{balance}} نقطة. اشحن رصيدك على {{app_url}} لمتابعة إنشاء التقارير المميزة.']),
  analysis_completed: {
    category: 'user',
    variables: ['name', 'idea'],
    secrets: [],
    preference: 'analysis_completed',
    texts: {
      name: 'Analysis completed',
      description: 'Sent when every section of a report has been generated.',
      subject_en: 'Your feasibility report is ready',
      subject_ar: 'تقرير الجدوى الخاص بك جاهز',
      body_en: '<p>Hello {{name}},</p><p>Your report "{{idea}}" is ready.</p>',
      body_ar: '<p>مرحباً {{name}}،</p><p>تقريرك "{{idea}}" جاهز.</p>',
    },
  },
  referral_joined: userTemplate('referral_joined', ['name'], 'Referral joined', 'Sent to the referrer when a referred user verifies their email.',
    ['A friend joined {{app_name}}', 'انضم صديق إلى {{app_name}}'],
    ['Someone you invited has joined. You will receive bonus credits after their first premium report.', 'انضم شخص دعوته. ستحصل على نقاط إضافية بعد أول تقرير مميز له.']),
  referral_reward: {
    category: 'user',
    variables: ['name', 'credits'],
    secrets: [],
    preference: 'referral_rewarded',
    texts: {
      name: 'Referral reward',
      description: 'Sent when a referral bonus is booked.',
      subject_en: 'You earned referral credits',
      subject_ar: 'لقد ربحت نقاط إحالة',
      body_en: '<p>Hello {{name}},</p><p>A friend you invited completed their first premium report. {{credits}} credits were added to your account.</p>',
      body_ar: '<p>مرحباً {{name}}،</p><p>أكمل صديق دعوته أول تقرير مميز له. أضيفت {{credits}} نقاط إلى حسابك.</p>',
    },
  },
  share_opened: userTemplate('share_opened', ['name', 'idea'], 'Shared report opened', 'Sent at most once per share per day when a shared report is viewed.',
    ['Someone opened your shared report', 'فتح أحدهم تقريرك المشترك'],
    ['Your shared report "{{idea}}" was just viewed.', 'تمت مشاهدة تقريرك المشترك "{{idea}}" للتو.']),
  ngo_request_reviewed: userTemplate('ngo_request_reviewed', ['name', 'status_text'], 'NGO request reviewed', 'Sent when an NGO request is approved or rejected.',
    ['Your NGO request was reviewed', 'تمت مراجعة طلب المنظمة'],
    ['{{status_text}}', '{{status_text}}']),
  ngo_report_linked: userTemplate('ngo_report_linked', ['name', 'idea'], 'Voucher redeemed', 'Sent to an NGO when one of its vouchers is redeemed.',
    ['A beneficiary used your voucher', 'استخدم أحد المستفيدين قسيمتك'],
    ['A report was created with your voucher: "{{idea}}".', 'تم إنشاء تقرير باستخدام قسيمتك: "{{idea}}".']),
  admin_new_payment: adminTemplate('admin_new_payment', ['name', 'amount_usd', 'payer_email'], 'New payment to review',
    ['New payment of ${{amount_usd}} to review', 'دفعة جديدة بقيمة {{amount_usd}}$ للمراجعة'],
    ['{{payer_email}} submitted a payment of ${{amount_usd}}. Review it at {{app_url}}.', 'أرسل {{payer_email}} دفعة بقيمة {{amount_usd}}$. راجعها على {{app_url}}.']),
  admin_analysis_failed: adminTemplate('admin_analysis_failed', ['name', 'analysis_id', 'error_code'], 'A report run failed',
    ['A report run failed ({{error_code}})', 'فشل إنشاء تقرير ({{error_code}})'],
    ['The run of analysis {{analysis_id}} ended with {{error_code}}.', 'انتهى تشغيل التحليل {{analysis_id}} بالخطأ {{error_code}}.']),
  admin_contact_message: adminTemplate('admin_contact_message', ['name', 'sender_name', 'subject'], 'New contact message',
    ['New contact message: {{subject}}', 'رسالة تواصل جديدة: {{subject}}'],
    ['{{sender_name}} wrote: {{subject}}', 'كتب {{sender_name}}: {{subject}}']),
  admin_new_rating: adminTemplate('admin_new_rating', ['name', 'analysis_id', 'rating'], 'New report rating',
    ['A report was rated {{rating}}', 'تم تقييم تقرير بـ {{rating}}'],
    ['Analysis {{analysis_id}} was rated {{rating}}.', 'تم تقييم التحليل {{analysis_id}} بـ {{rating}}.']),
  admin_ngo_request: adminTemplate('admin_ngo_request', ['name', 'organization'], 'New NGO request',
    ['New NGO request from {{organization}}', 'طلب منظمة جديد من {{organization}}'],
    ['{{organization}} asked to join the NGO programme.', 'طلبت {{organization}} الانضمام إلى برنامج المنظمات.']),
  admin_server_error: adminTemplate('admin_server_error', ['name', 'count', 'error_code', 'bucket_start'], 'Server errors',
    ['{{count}} server error(s) since {{bucket_start}}', '{{count}} خطأ في الخادم منذ {{bucket_start}}'],
    ['{{count}} request(s) failed with {{error_code}} since {{bucket_start}} (UTC).', 'فشل {{count}} طلب بالخطأ {{error_code}} منذ {{bucket_start}} (UTC).']),
} as const satisfies Record<string, RegistryEntry>;

export type TemplateKey = keyof typeof EMAIL_REGISTRY;
export const PRODUCT_TEMPLATE_KEYS = Object.keys(EMAIL_REGISTRY) as TemplateKey[];

export function registryEntry(key: string): RegistryEntry | undefined {
  return Object.hasOwn(EMAIL_REGISTRY, key) ? (EMAIL_REGISTRY as Record<string, RegistryEntry>)[key] : undefined;
}

/** Priority in the outbox: 0 account/security, 1 user, 2 admin. */
export const PRIORITY: Record<EmailCategory, 0 | 1 | 2> = { account: 0, user: 1, admin: 2 };

function userTemplate(pref: string, variables: string[], name: string, description: string, subject: [string, string], body: [string, string]): RegistryEntry {
  return {
    category: 'user',
    variables,
    secrets: [],
    preference: pref,
    texts: { name, description, subject_en: subject[0], subject_ar: subject[1], body_en: `${hello.en}<p>${body[0]}</p>`, body_ar: `${hello.ar}<p>${body[1]}</p>` },
  };
}

function adminTemplate(key: string, variables: string[], name: string, subject: [string, string], body: [string, string]): RegistryEntry {
  return {
    category: 'admin',
    variables,
    secrets: [],
    preference: key,
    texts: { name, description: `Admin alert (${key}).`, subject_en: subject[0], subject_ar: subject[1], body_en: `<p>${body[0]}</p>`, body_ar: `<p>${body[1]}</p>` },
  };
}
