// A fake ZeptoMail HTTP API (SPEC-WAVE2 §11.1) for tests: the real zeptomail provider talks to it over
// HTTP through EMAIL_API_BASE_URL. It records every request (method, path, headers, JSON body) and
// answers from a script consumed in order, then a default (201 with the documented success body).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  at: number;
}

export type Behaviour =
  | { kind: 'accept' }
  | { kind: 'error'; status: number; code: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

export const accept = (): Behaviour => ({ kind: 'accept' });
export const fail = (status: number, code: string, headers?: Record<string, string>): Behaviour => ({ kind: 'error', status, code, headers });
export const hang = (): Behaviour => ({ kind: 'hang' });
export const reset = (): Behaviour => ({ kind: 'reset' });
/** Accepts after `ms` (a slow provider: for lease/concurrency tests). */
export const slow = (ms: number): Behaviour => ({ kind: 'delay', ms });

export interface FakeZeptomail {
  url: string;
  requests: RecordedRequest[];
  enqueue(...behaviours: Behaviour[]): void;
  setDefault(behaviour: Behaviour): void;
  clear(): void;
  close(): Promise<void>;
}

const ERROR_MESSAGES: Record<string, string> = {
  TM_3201: 'Mandatory field missing',
  TM_4001: 'Sender domain not verified',
  SERR_157: 'Invalid API Token found',
  SMI_115: 'Daily limit reached',
  GE_102: 'Internal server error',
  TM_3301: 'Invalid JSON',
};

export async function startFakeZeptomail(): Promise<FakeZeptomail> {
  const requests: RecordedRequest[] = [];
  let queue: Behaviour[] = [];
  let fallback: Behaviour = accept();
  const sockets = new Set<Socket>();
  let counter = 0;

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() });
    const behaviour = queue.shift() ?? fallback;
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    switch (behaviour.kind) {
      case 'hang':
        return; // never answers; the client's timeout must end it
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
      case 'accept':
        if (behaviour.kind === 'delay') await new Promise((r) => setTimeout(r, behaviour.ms));
        return json(201, {
          data: [{ code: 'EM_104', additional_info: [], message: 'Email request received' }],
          message: 'OK',
          request_id: `req-${++counter}-${Date.now().toString(36)}`,
          object: 'email',
        });
      case 'error':
        return json(
          behaviour.status,
          {
            error: {
              code: behaviour.code.startsWith('TM_') ? behaviour.code : 'TM_0000',
              details: [{ code: behaviour.code, message: ERROR_MESSAGES[behaviour.code] ?? 'error', target: 'email' }],
              message: ERROR_MESSAGES[behaviour.code] ?? 'error',
              request_id: `req-err-${++counter}`,
            },
          },
          behaviour.headers,
        );
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1.1`,
    requests,
    enqueue: (...b) => void queue.push(...b),
    setDefault: (b) => void (fallback = b),
    clear: () => {
      requests.length = 0;
      queue = [];
      fallback = accept();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export const EMAIL_API_KEY = 'wSsVR61r8xP2Qk7mZt3n9LbA-test-token';

/** Environment for a test app whose mail goes to the fake. */
export function emailEnv(fake: FakeZeptomail, extra: Record<string, string> = {}): Record<string, string> {
  return {
    EMAIL_PROVIDER: 'zeptomail',
    EMAIL_API_BASE_URL: fake.url,
    EMAIL_API_KEY,
    EMAIL_FROM: 'no-reply@planlyze.test',
    EMAIL_FROM_NAME: 'Planlyze',
    EMAIL_TIMEOUT_MS: '1000',
    APP_URL: 'https://app.planlyze.test',
    ...extra,
  };
}
