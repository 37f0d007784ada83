/**
 * Rendering a mail for sending (SPEC-WAVE2 §11.3): the body through the §7 renderer (every value
 * HTML-escaped, one pass), the subject as plain text (not escaped — a header is not HTML — control
 * characters removed, at most 300 characters), wrapped in a layout held in code (`dir="rtl"` and
 * `lang="ar"` for Arabic). Secret values (a one-time code) appear only in the layout's fixed block.
 * `text` is a tag-stripped copy of the HTML.
 */
import type { EmailConfig } from '../config.js';
import { escapeHtml, PLACEHOLDER, renderTemplate, type TemplateVariables } from '../services/email-render.js';

export interface TemplateSource {
  subjectEn: string;
  subjectAr: string;
  bodyEn: string;
  bodyAr: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export function globalVariables(email: EmailConfig): TemplateVariables {
  return { app_name: email.from.name, app_url: email.appUrl, support_email: email.replyTo ?? email.from.address };
}

/** Subject: placeholders filled verbatim (no HTML escaping), control characters (CR, LF, …) removed, ≤ 300 characters. */
export function renderSubject(template: string, variables: TemplateVariables): string {
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!Object.hasOwn(variables, name)) return whole;
    const value = variables[name];
    return value === null || value === undefined ? '' : String(value);
  });
  return text.replace(CONTROL_CHARACTERS, ' ').replace(/\s{2,}/g, ' ').trim().slice(0, 300);
}

const SECRET_LABEL = { en: 'Your code', ar: 'رمزك' };
const FOOTER = {
  en: 'You receive this email because of your account at',
  ar: 'تصلك هذه الرسالة بسبب حسابك في',
};

export function renderMail(
  template: TemplateSource,
  language: 'en' | 'ar',
  variables: TemplateVariables,
  secrets: Record<string, string> | undefined,
  email: EmailConfig,
): RenderedMail {
  const values = { ...globalVariables(email), ...variables };
  const subject = renderSubject(language === 'ar' ? template.subjectAr : template.subjectEn, values);
  const body = renderTemplate(language === 'ar' ? template.bodyAr : template.bodyEn, values).text;
  const secretBlock = secrets?.code
    ? `<p style="font-size:14px;margin:16px 0 4px">${SECRET_LABEL[language]}:</p>` +
      `<p style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:0 0 16px" dir="ltr">${escapeHtml(secrets.code)}</p>`
    : '';
  const appName = escapeHtml(String(values.app_name));
  const appUrl = escapeHtml(String(values.app_url));
  const dir = language === 'ar' ? 'rtl' : 'ltr';
  const html =
    `<!doctype html><html lang="${language}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body dir="${dir}" style="font-family:Arial,Helvetica,sans-serif;color:#1f2937">` +
    `<div style="max-width:560px;margin:0 auto;padding:24px"><h1 style="font-size:20px">${appName}</h1>` +
    `${body}${secretBlock}` +
    `<hr style="border:none;border-top:1px solid #e5e7eb;margin:24px 0"><p style="font-size:12px;color:#6b7280">${FOOTER[language]} <a href="${appUrl}">${appName}</a>.</p>` +
    `</div></body></html>`;
  return { subject, html, text: htmlToText(`${body}${secretBlock}`) };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`', '&nbsp;': ' ' };

export function htmlToText(html: string): string {
  return html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|h[1-6]|li|tr)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|#96|nbsp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
