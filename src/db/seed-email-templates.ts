/** Email templates the product sends (seeded once; admins edit them afterwards). `{{var}}` placeholders. */
export const SEED_EMAIL_TEMPLATES = [
  {
    template_key: 'payment_approved',
    name: 'Payment approved',
    subject_en: 'Your payment was approved',
    subject_ar: 'تمت الموافقة على دفعتك',
    body_en: '<p>Hello {{name}},</p><p>Your payment of ${{amount_usd}} was approved and {{credits}} credits were added to your account.</p>',
    body_ar: '<p>مرحباً {{name}}،</p><p>تمت الموافقة على دفعتك بقيمة {{amount_usd}}$ وأضيفت {{credits}} نقاط إلى حسابك.</p>',
    description: 'Sent when an admin approves a manual payment.',
  },
  {
    template_key: 'payment_rejected',
    name: 'Payment rejected',
    subject_en: 'Your payment could not be approved',
    subject_ar: 'تعذرت الموافقة على دفعتك',
    body_en: '<p>Hello {{name}},</p><p>Your payment could not be approved: {{reason}}</p>',
    body_ar: '<p>مرحباً {{name}}،</p><p>تعذرت الموافقة على دفعتك: {{reason}}</p>',
    description: 'Sent when an admin rejects a manual payment.',
  },
  {
    template_key: 'referral_reward',
    name: 'Referral reward',
    subject_en: 'You earned referral credits',
    subject_ar: 'لقد ربحت نقاط إحالة',
    body_en: '<p>Hello {{name}},</p><p>A friend you invited completed their first premium report. {{credits}} credits were added to your account.</p>',
    body_ar: '<p>مرحباً {{name}}،</p><p>أكمل صديق دعوته أول تقرير مميز له. أضيفت {{credits}} نقاط إلى حسابك.</p>',
    description: 'Sent when a referral bonus is booked.',
  },
  {
    template_key: 'analysis_completed',
    name: 'Analysis completed',
    subject_en: 'Your feasibility report is ready',
    subject_ar: 'تقرير الجدوى الخاص بك جاهز',
    body_en: '<p>Hello {{name}},</p><p>Your report "{{idea}}" is ready.</p>',
    body_ar: '<p>مرحباً {{name}}،</p><p>تقريرك "{{idea}}" جاهز.</p>',
    description: 'Sent when every section of a report has been generated.',
  },
] as const;
