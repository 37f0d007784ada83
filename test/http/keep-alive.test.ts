/**
 * Issue 10 §4: an answer given before the body is read (413 on a streamed body over the limit) must
 * not break the client's keep-alive connection. Served by @hono/node-server exactly as src/node.ts
 * serves the app, and called through one keep-alive agent (one socket), as a browser or SDK would.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
let server: ServerType;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  t = await createTestApp();
  server = serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => t.app.fetch(req, t.env) });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
  socketReused: boolean;
}

/** One request through the shared agent; `chunks` are written one by one (chunked encoding, no length). */
function call(method: string, path: string, chunks: Buffer[] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body, socketReused: req.reusedSocket }));
    });
    req.on('error', reject);
    // The server may answer (and close) before it has read everything: stop writing then, as clients do.
    let answered = false;
    req.on('response', () => (answered = true));
    (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) break;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}

it('a streamed body over the limit gets 413, and the next request on the same client succeeds', async () => {
  const before = await call('GET', '/api/health');
  expect(before.status).toBe(200);

  // 3 MiB in 64 KiB chunks: over the 1 MiB default, sent without a Content-Length.
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const tooLarge = await call('POST', '/api/auth/login', Array.from({ length: 48 }, () => chunk));
  expect(tooLarge.status).toBe(413);
  expect(JSON.parse(tooLarge.body)).toMatchObject({ success: false, error_code: 'PAYLOAD_TOO_LARGE' });
  // The unread rest of the body would otherwise be parsed as the next request: the answer closes the connection.
  expect(tooLarge.connection).toBe('close');

  for (let i = 0; i < 3; i++) {
    const after = await call('GET', '/api/health');
    expect(after.status).toBe(200);
  }
});
