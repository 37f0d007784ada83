/**
 * The email provider boundary (SPEC-WAVE2 §11.1). Nothing else in the app knows a provider's wire format.
 * - `zeptomail`: ZeptoMail's HTTP API (`POST {base}/email`), `client_reference` = outbox id;
 * - `log`: development/test — one JSON line (and in development the text body, so a person running
 *   `npm start` can read a code);
 * - `none`: every send is a retryable `provider_disabled`, so mail waits in the outbox.
 * Errors never contain the API key or the message body.
 */
import type { Config } from '../config.js';
import { log } from '../http/logger.js';

export interface EmailAddress {
  address: string;
  name?: string | undefined;
}

export interface EmailMessage {
  to: EmailAddress;
  from: { address: string; name: string };
  reply_to?: EmailAddress | undefined;
  subject: string;
  html: string;
  text?: string | undefined;
  /** The outbox id (ZeptoMail `client_reference`). */
  reference: string;
  /** For logs only. */
  template?: string;
}

export type SendResult =
  | { ok: true; provider_message_id?: string | undefined }
  | {
      ok: false;
      retryable: boolean;
      http_status?: number | undefined;
      provider_code?: string | undefined;
      error: string;
      /** Seconds from a `Retry-After` header (429). */
      retry_after_s?: number | undefined;
    };

export interface EmailProvider {
  readonly name: string;
  send(message: EmailMessage, options: { signal: AbortSignal }): Promise<SendResult>;
}

/** Provider codes for limits and credits: retryable later, whatever the status. */
const RETRYABLE_PROVIDER_CODES = new Set(['LE_101', 'SMI_115', 'SM_133']);

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 86_400);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min((date - Date.now()) / 1000, 86_400));
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function zeptomailProvider(config: Config, fetchFn: typeof fetch = (...args) => fetch(...args)): EmailProvider {
  const { apiKey, apiBaseUrl } = config.email;
  const logLevel = config.logLevel;
  return {
    name: 'zeptomail',
    async send(message, { signal }) {
      const body = {
        from: { address: message.from.address, name: message.from.name },
        to: [{ email_address: { address: message.to.address, ...(message.to.name ? { name: message.to.name } : {}) } }],
        ...(message.reply_to ? { reply_to: [{ address: message.reply_to.address, ...(message.reply_to.name ? { name: message.reply_to.name } : {}) }] } : {}),
        subject: message.subject,
        htmlbody: message.html,
        ...(message.text ? { textbody: message.text } : {}),
        client_reference: message.reference,
      };
      let response: Response;
      try {
        response = await fetchFn(`${apiBaseUrl}/email`, {
          method: 'POST',
          headers: {
            Authorization: `Zoho-enczapikey ${apiKey ?? ''}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body: JSON.stringify(body),
          signal,
        });
      } catch (error) {
        const timedOut = signal.aborted;
        return { ok: false, retryable: true, error: timedOut ? 'timeout' : `network_error: ${clip(errorName(error), 100)}` };
      }
      let payload: any;
      try {
        payload = await response.json();
      } catch {
        payload = undefined;
      }
      if (response.ok) {
        return { ok: true, provider_message_id: typeof payload?.request_id === 'string' ? payload.request_id : undefined };
      }
      const status = response.status;
      const providerCode: string | undefined =
        payload?.error?.details?.[0]?.code ?? payload?.error?.code ?? undefined;
      const providerMessage: string = typeof payload?.error?.message === 'string' ? payload.error.message : '';
      const retryable =
        status === 408 || status === 429 || status >= 500 || status === 401 || status === 403 ||
        (providerCode !== undefined && RETRYABLE_PROVIDER_CODES.has(providerCode));
      if (status === 401 || status === 403) {
        log('error', 'email provider refused the credentials (check EMAIL_API_KEY / the Mail Agent)', { status, provider_code: providerCode }, logLevel);
      }
      return {
        ok: false,
        retryable,
        http_status: status,
        provider_code: providerCode,
        error: clip(`http_${status}${providerCode ? ` ${providerCode}` : ''}${providerMessage ? `: ${providerMessage}` : ''}`),
        retry_after_s: status === 429 ? retryAfterSeconds(response.headers.get('retry-after')) : undefined,
      };
    },
  };
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error.cause instanceof Error ? error.cause.message : '') || error.name;
  return 'error';
}

export function logProvider(config: Config): EmailProvider {
  return {
    name: 'log',
    async send(message) {
      const fields: Record<string, unknown> = { to: message.to.address, template: message.template, subject: message.subject };
      // The body (which may hold a one-time code) is printed only in development, or in test at debug level.
      if (config.appEnv === 'development' || (config.appEnv === 'test' && config.logLevel === 'debug')) fields.text = message.text;
      log('info', 'email (log provider)', fields, config.logLevel);
      return { ok: true, provider_message_id: `log-${message.reference}` };
    },
  };
}

export const noneProvider: EmailProvider = {
  name: 'none',
  async send() {
    return { ok: false, retryable: true, error: 'provider_disabled' };
  },
};

export function providerFor(config: Config): EmailProvider {
  switch (config.email.provider) {
    case 'zeptomail':
      return zeptomailProvider(config);
    case 'log':
      return logProvider(config);
    default:
      return noneProvider;
  }
}
