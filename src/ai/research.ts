/**
 * The research step (issue 15 §1): before the sections that need outside facts (market, financial), ONE
 * model call with Anthropic's server-side `web_search` tool looks up real competitors, market figures and
 * funding programmes for the idea's market. What it found — the queries, the result URLs and titles, and
 * the cited text that supports each claim — is kept and handed to the section calls as a delimited data
 * block. Search results are untrusted input: they reach the section calls only inside `<research>`, with
 * angle brackets neutralised, introduced as data; their links are the only ones a section may show
 * (besides the admin catalog's), see grounding.ts.
 *
 * A failed step (the call fails, or every search errors) never fails the report: the sections are then
 * written without research and labelled `search_failed`.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { createMessage, type AiContext, type AttemptRecord, type FailedCall } from './client.js';
import { neutralize } from './prompts/data-block.js';
import { ideaBlock, promptsFor, type IdeaInput, type PromptLang } from './prompts/index.js';

export interface CatalogEntry {
  name: string;
  country: string | null;
  industries: string[];
  description: string | null;
  websiteUrl: string | null;
  androidUrl: string | null;
  iosUrl: string | null;
}

export interface ResearchResult {
  url: string;
  title: string;
  page_age: string | null;
}

export interface ResearchCitation {
  url: string;
  title: string | null;
  cited_text: string;
  /** The sentence(s) of the research answer this citation supports. */
  text: string;
}

export interface ResearchFindings {
  status: 'researched' | 'failed';
  /** Why it failed: a web search error code (`unavailable`, `max_uses_exceeded`, …), NO_RESULTS or an AI failure code. */
  errorCode: string | null;
  queries: string[];
  results: ResearchResult[];
  citations: ResearchCitation[];
  records: AttemptRecord[];
}

export interface ResearchOptions {
  maxUses: number;
  userLocation: Anthropic.UserLocation | null;
  catalog: CatalogEntry[];
}

const MAX_RESULTS = 30;
const MAX_CITATIONS = 40;
const MAX_CITED_CHARS = 600;
const MAX_URL_CHARS = 2048;
const MAX_TOKENS = 4096;

/** The research call's tools: only the server-side search, bounded by `max_uses`. */
export function webSearchTool(options: ResearchOptions): Anthropic.WebSearchTool20250305 {
  return {
    type: 'web_search_20250305',
    name: 'web_search',
    max_uses: options.maxUses,
    ...(options.userLocation ? { user_location: options.userLocation } : {}),
  };
}

export async function runResearch(
  ai: AiContext,
  idea: IdeaInput,
  lang: PromptLang,
  options: ResearchOptions,
  deadline: number,
): Promise<ResearchFindings> {
  const p = promptsFor(lang);
  const content = [ideaBlock(idea), catalogBlock(options.catalog), p.researchRequest].filter(Boolean).join('\n\n');
  try {
    const { message, records } = await createMessage(
      ai,
      { system: p.researchSystem, max_tokens: MAX_TOKENS, tools: [webSearchTool(options)], messages: [{ role: 'user', content }] },
      deadline,
    );
    return { ...readFindings(message), records };
  } catch (error) {
    const failed = error as FailedCall;
    return { status: 'failed', errorCode: failed.code ?? 'AI_SERVER_ERROR', queries: [], results: [], citations: [], records: failed.records ?? [] };
  }
}

/** Reads queries, results and citations out of the response blocks (a `pause_turn` keeps what it has). */
export function readFindings(message: Anthropic.Message): Omit<ResearchFindings, 'records'> {
  const queries: string[] = [];
  const results = new Map<string, ResearchResult>();
  const citations: ResearchCitation[] = [];
  const errors: string[] = [];
  for (const block of message.content) {
    if (block.type === 'server_tool_use' && block.name === 'web_search') {
      const query = (block.input as { query?: unknown } | null)?.query;
      if (typeof query === 'string') queries.push(query.slice(0, 500));
    } else if (block.type === 'web_search_tool_result') {
      if (Array.isArray(block.content)) {
        for (const r of block.content) {
          if (results.size < MAX_RESULTS && r.url.length <= MAX_URL_CHARS && isHttpUrl(r.url) && !results.has(r.url)) {
            results.set(r.url, { url: r.url, title: (r.title || r.url).slice(0, 300), page_age: r.page_age ?? null });
          }
        }
      } else errors.push(block.content.error_code);
    } else if (block.type === 'text') {
      for (const c of block.citations ?? []) {
        if (c.type !== 'web_search_result_location' || citations.length >= MAX_CITATIONS) continue;
        citations.push({ url: c.url, title: c.title, cited_text: c.cited_text.slice(0, MAX_CITED_CHARS), text: block.text.slice(0, MAX_CITED_CHARS) });
      }
    }
  }
  // A citation can only point at a result of this response; anything else is ignored.
  const kept = citations.filter((c) => results.has(c.url));
  if (results.size === 0) {
    return { status: 'failed', errorCode: errors[0] ?? 'NO_RESULTS', queries, results: [], citations: [] };
  }
  return { status: 'researched', errorCode: null, queries, results: [...results.values()], citations: kept };
}

const isHttpUrl = (url: string) => {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
};

/** The research findings as data for a section call. */
export function researchBlock(findings: ResearchFindings): string {
  const results = findings.results
    .map((r, i) => `<result index="${i + 1}">\n<url>${neutralize(r.url)}</url>\n<title>${neutralize(r.title)}</title>\n</result>`)
    .join('\n');
  const cited = findings.citations
    .map((c) => `<cited source="${neutralize(c.url)}">\n<cited_text>${neutralize(c.cited_text)}</cited_text>\n<supports>${neutralize(c.text)}</supports>\n</cited>`)
    .join('\n');
  return `<research>\n${results}${cited ? `\n${cited}` : ''}\n</research>`;
}

/** The admin catalog entries matching the idea, as data. Empty string when there are none. */
export function catalogBlock(catalog: CatalogEntry[]): string {
  if (catalog.length === 0) return '';
  const entries = catalog.map((e) => {
    const fields: [string, string | null][] = [
      ['name', e.name],
      ['country', e.country],
      ['industries', e.industries.join(', ') || null],
      ['description', e.description],
      ['website', e.websiteUrl],
      ['android', e.androidUrl],
      ['ios', e.iosUrl],
    ];
    const body = fields.filter(([, v]) => v).map(([k, v]) => `<${k}>${neutralize(v!)}</${k}>`).join('\n');
    return `<competitor>\n${body}\n</competitor>`;
  });
  return `<known_competitors>\n${entries.join('\n')}\n</known_competitors>`;
}
