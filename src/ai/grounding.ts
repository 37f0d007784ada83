/**
 * Links in a report must be traceable (issue 15 §1): every URL a stored section shows — competitor
 * websites and app-store links, or any URL written in its text — must be one of the research results'
 * URLs or one of the admin catalog's; any other is dropped before the section is stored. The section's
 * `sources` list the research results it was given plus the catalog links it shows, so every link shown
 * is backed by a source.
 */
import type { CatalogEntry, ResearchFindings } from './research.js';

export interface Source {
  url: string;
  title: string;
}

/** The comparable form of a URL: lower-case scheme and host, no fragment, no trailing slash. */
export function normalizeUrl(raw: string): string | null {
  try {
    const u = new URL(raw.trim());
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    u.hash = '';
    const text = u.toString();
    return text.endsWith('/') ? text.slice(0, -1) : text;
  } catch {
    return null;
  }
}

/** What a section of this run may link to, by normalised URL. */
export class AllowedLinks {
  private readonly byUrl = new Map<string, Source & { fromCatalog: boolean }>();

  constructor(findings: ResearchFindings | null, catalog: CatalogEntry[]) {
    for (const r of findings?.status === 'researched' ? findings.results : []) this.add(r.url, r.title, false);
    for (const e of catalog) {
      for (const url of [e.websiteUrl, e.androidUrl, e.iosUrl]) if (url) this.add(url, e.name, true);
    }
  }

  private add(url: string, title: string, fromCatalog: boolean) {
    const key = normalizeUrl(url);
    if (key && !this.byUrl.has(key)) this.byUrl.set(key, { url, title, fromCatalog });
  }

  lookup(url: string) {
    const key = normalizeUrl(url);
    return key ? this.byUrl.get(key) : undefined;
  }

  researchSources(): Source[] {
    return [...this.byUrl.values()].filter((s) => !s.fromCatalog).map(({ url, title }) => ({ url, title }));
  }
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'()[\]{}]+/gi;
const TRAILING = /[.,;:!?]+$/;
const LINK_KEYS = new Set(['website', 'android', 'ios']);

export interface Grounded {
  content: Record<string, unknown>;
  sources: Source[];
  /** URLs removed because no source backs them. */
  dropped: string[];
}

/**
 * Drops unbacked links from `content` (the `links` objects of competitors lose the key; a URL inside
 * text is removed from it) and lists the section's sources: the research results it was given
 * (`withResearch`) plus every catalog link it kept.
 */
export function groundSection(content: Record<string, unknown>, allowed: AllowedLinks, withResearch: boolean): Grounded {
  const dropped: string[] = [];
  const used = new Map<string, Source>();
  const keep = (url: string) => {
    const hit = allowed.lookup(url);
    if (!hit) {
      dropped.push(url);
      return false;
    }
    used.set(hit.url, { url: hit.url, title: hit.title });
    return true;
  };
  const scrubText = (text: string): string => {
    if (!URL_IN_TEXT.test(text)) return text;
    URL_IN_TEXT.lastIndex = 0;
    const out = text
      .replace(URL_IN_TEXT, (match) => {
        const url = match.replace(TRAILING, '');
        const tail = match.slice(url.length);
        return keep(url) ? match : tail;
      })
      .replace(/\(\s*\)/g, '')
      .replace(/[ \t]{2,}/g, ' ')
      .trim();
    return out === '' ? '—' : out;
  };
  const walk = (value: unknown, key: string | null): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map((v) => walk(v, null));
    if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (key === 'links') {
        return Object.fromEntries(entries.filter(([k, v]) => !(LINK_KEYS.has(k) && typeof v === 'string' && !keep(v))));
      }
      return Object.fromEntries(entries.map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  const grounded = walk(content, null) as Record<string, unknown>;
  const sources = new Map<string, Source>();
  if (withResearch) for (const s of allowed.researchSources()) sources.set(s.url, s);
  for (const s of used.values()) sources.set(s.url, s);
  return { content: grounded, sources: [...sources.values()], dropped };
}

/** Every link a section shows (links objects and URLs in text), for tests and the closing measurement. */
export function linksIn(content: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string | null) => {
    if (typeof value === 'string') {
      if (key !== null && LINK_KEYS.has(key)) found.push(value);
      else for (const m of value.matchAll(URL_IN_TEXT)) found.push(m[0].replace(TRAILING, ''));
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, null));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(content, null);
  return found;
}
