/**
 * Email templates the product sends (SPEC-WAVE2 §11.3): one per registry key (src/email/registry.ts),
 * seeded when missing and never overwritten (admins edit them afterwards). `{{var}}` placeholders.
 */
import { EMAIL_REGISTRY, PRODUCT_TEMPLATE_KEYS } from '../email/registry.js';

export const SEED_EMAIL_TEMPLATES = PRODUCT_TEMPLATE_KEYS.map((key) => {
  const t = EMAIL_REGISTRY[key].texts;
  return {
    template_key: key,
    name: t.name,
    subject_en: t.subject_en,
    subject_ar: t.subject_ar,
    body_en: t.body_en,
    body_ar: t.body_ar,
    description: t.description,
  };
});
