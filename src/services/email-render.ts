/**
 * `{{var}}` rendering of email templates (SPEC §7). Every value is HTML-escaped — there is no raw
 * form — because values come from users (names, idea titles, rejection reasons) and end up in HTML.
 * A placeholder without a value stays visible as written and is reported, so a preview shows the
 * gap instead of silently sending an email with a hole in it. One pass: a value that itself looks
 * like `{{other}}` is not expanded again.
 */

export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]{0,63})\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]!);
}

export type TemplateValue = string | number | boolean | null;
export type TemplateVariables = Record<string, TemplateValue>;

export interface RenderResult {
  text: string;
  /** Placeholders that had no value, in order of first appearance. */
  missing: string[];
  /** Placeholders that were filled. */
  used: string[];
}

export function renderTemplate(template: string, variables: TemplateVariables): RenderResult {
  const missing = new Set<string>();
  const used = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    // Own properties only: `{{constructor}}` must not find Object.prototype.constructor.
    if (!Object.hasOwn(variables, name)) {
      missing.add(name);
      return whole;
    }
    used.add(name);
    const value = variables[name];
    return escapeHtml(value === null || value === undefined ? '' : String(value));
  });
  return { text, missing: [...missing], used: [...used] };
}

/** The placeholder names a text uses, in order of first appearance. */
export function placeholdersOf(...texts: string[]): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1]!);
  return [...names];
}

export interface LocalizedTemplate {
  subjectEn: string;
  subjectAr: string;
  bodyEn: string;
  bodyAr: string;
}

export interface RenderedEmail {
  subject: string;
  body: string;
  missing: string[];
  unused: string[];
}

/**
 * Subject and body in one language. The subject is escaped too: it is shown inside HTML (previews,
 * admin screens) far more often than it is put in a mail header.
 */
export function renderEmail(template: LocalizedTemplate, language: 'en' | 'ar', variables: TemplateVariables): RenderedEmail {
  const subject = renderTemplate(language === 'ar' ? template.subjectAr : template.subjectEn, variables);
  const body = renderTemplate(language === 'ar' ? template.bodyAr : template.bodyEn, variables);
  const used = new Set([...subject.used, ...body.used]);
  return {
    subject: subject.text,
    body: body.text,
    missing: [...new Set([...subject.missing, ...body.missing])],
    unused: Object.keys(variables).filter((k) => !used.has(k)),
  };
}
