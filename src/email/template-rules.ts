/**
 * Rules for stored templates (SPEC-WAVE2 §11.3, §0.1): a product template may use only the
 * placeholders its registry entry declares (plus the globals), so an edit cannot ship a mail with a
 * hole; no stored template may reference a secret variable (codes are shown only by the layout);
 * every link must start with APP_URL.
 */
import { placeholdersOf } from '../services/email-render.js';
import { EMAIL_REGISTRY, GLOBAL_VARIABLES, PRODUCT_TEMPLATE_KEYS, registryEntry } from './registry.js';

export const TEMPLATE_TEXT_FIELDS = ['subject_en', 'subject_ar', 'body_en', 'body_ar'] as const;
type TextField = (typeof TEMPLATE_TEXT_FIELDS)[number];
export type TemplateTexts = Partial<Record<TextField, string | undefined>>;

export interface TemplateIssue {
  path: TextField;
  code: 'unknown_placeholders' | 'secret_placeholder' | 'foreign_link';
  message: string;
  names?: string[];
}

const SECRET_NAMES = new Set(PRODUCT_TEMPLATE_KEYS.flatMap((k) => [...EMAIL_REGISTRY[k].secrets]));
const LINK = /\b(?:href|src)\s*=\s*["']?([^"'\s>]+)/gi;

/** Secret placeholders and links that do not start with APP_URL (every stored template). */
export function contentIssues(input: TemplateTexts, appUrl: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const field of TEMPLATE_TEXT_FIELDS) {
    const text = input[field];
    if (text === undefined) continue;
    const secrets = placeholdersOf(text).filter((n) => SECRET_NAMES.has(n));
    if (secrets.length > 0) {
      issues.push({ path: field, code: 'secret_placeholder', names: secrets, message: `secret variables are added by the layout, not the template: ${secrets.join(', ')}` });
    }
    for (const match of text.matchAll(LINK)) {
      const url = match[1]!;
      const allowed = url.startsWith(`${appUrl}/`) || url === appUrl || /^\{\{\s*app_url\s*\}\}/.test(url) || url.startsWith('mailto:');
      if (!allowed) {
        issues.push({ path: field, code: 'foreign_link', message: `links must start with APP_URL (${appUrl})` });
        break;
      }
    }
  }
  return issues;
}

/** Placeholders a product template may not use, per field. */
export function registryIssues(templateKey: string, input: TemplateTexts): TemplateIssue[] {
  const entry = registryEntry(templateKey);
  if (!entry) return [];
  const allowed = new Set<string>([...entry.variables, ...GLOBAL_VARIABLES]);
  const issues: TemplateIssue[] = [];
  for (const field of TEMPLATE_TEXT_FIELDS) {
    const text = input[field];
    if (text === undefined) continue;
    const unknown = placeholdersOf(text).filter((n) => !allowed.has(n) && !SECRET_NAMES.has(n));
    if (unknown.length > 0) issues.push({ path: field, code: 'unknown_placeholders', names: unknown, message: `unknown placeholders: ${unknown.join(', ')}` });
  }
  return issues;
}

/** The product template keys this edit would break (the update refuses them in SQL, saving a read). */
export function keysRefusing(input: TemplateTexts): string[] {
  const used = new Set<string>();
  for (const field of TEMPLATE_TEXT_FIELDS) {
    const text = input[field];
    if (text !== undefined) for (const name of placeholdersOf(text)) used.add(name);
  }
  const globals = new Set<string>(GLOBAL_VARIABLES);
  const names = [...used].filter((n) => !globals.has(n) && !SECRET_NAMES.has(n));
  if (names.length === 0) return [];
  return PRODUCT_TEMPLATE_KEYS.filter((key) => {
    const declared = new Set<string>(EMAIL_REGISTRY[key].variables);
    return names.some((n) => !declared.has(n));
  });
}
