/** Small schema pieces shared by request and response schemas. */
import * as z from 'zod';
import { imageMatchesType, unsafeLinkReason } from './public-url.js';

export const isoDate = z.iso.datetime();
export const uuid = z.uuid();
export const language = z.enum(['en', 'ar']);

export function toIso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Trimmed single-line text with bounds; empty after trimming is refused. */
export const text = (max: number, min = 1) => z.string().trim().min(min).max(max);

/**
 * A public https URL (no credentials, no loopback / private / link-local host: schemas/public-url.ts) or
 * `data:image/(png|jpeg|webp);base64,…` holding that image type, whose DECODED size is at most `maxBytes`.
 */
export function httpsUrlOrImageDataUrl(maxBytes: number) {
  return z.string().superRefine((value, ctx) => {
    if (value.startsWith('data:')) {
      const match = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/]+={0,2})$/.exec(value);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'must be a base64 data URL of a PNG, JPEG or WebP image' });
        return;
      }
      const b64 = match[2]!;
      const decoded = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
      if (decoded > maxBytes) {
        ctx.addIssue({ code: 'too_big', origin: 'string', maximum: maxBytes, message: `the decoded image must be at most ${maxBytes} bytes`, input: value, inclusive: true });
      } else if (!imageMatchesType(match[1] as 'png' | 'jpeg' | 'webp', b64)) {
        ctx.addIssue({ code: 'custom', message: `the data is not a ${match[1]!.toUpperCase()} image (its first bytes do not match the declared type)` });
      }
      return;
    }
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || value.length > 2048) {
      ctx.addIssue({ code: 'custom', message: 'must be an https URL or an image data URL' });
      return;
    }
    const unsafe = unsafeLinkReason(url);
    if (unsafe) ctx.addIssue({ code: 'custom', message: unsafe });
  });
}
