/**
 * Serves a SqlEndpoint over real HTTP (node:http), for processes that cannot share our memory:
 * `wrangler dev` (workerd) reaches it with `neonConfig.fetchEndpoint = 'http://127.0.0.1:PORT/sql'`.
 *
 * Routes: POST …/sql (the Neon protocol), GET /health (readiness probe for scripts), OPTIONS (CORS
 * preflight, as Neon allows browsers). An injected network fault destroys the socket, so the client
 * sees a real connection error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkFaultError, type SqlEndpoint } from './sql-endpoint.js';

export interface ServeOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface SqlHttpServer {
  /** The `/sql` URL, e.g. http://127.0.0.1:5433/sql — a value for neonConfig.fetchEndpoint. */
  url: string;
  host: string;
  port: number;
  /** Stops listening, aborts requests still waiting (e.g. injected hangs) and drops connections. */
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Max-Age': '86400',
};

export async function serveSqlEndpoint(endpoint: SqlEndpoint, options: ServeOptions = {}): Promise<SqlHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const pending = new Set<AbortController>();

  const server = createServer((req, res) => {
    const controller = new AbortController();
    pending.add(controller);
    // The client went away before we answered: stop waiting for it (matters for injected hangs).
    res.on('close', () => {
      pending.delete(controller);
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    serve(endpoint, req, res, controller.signal).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: String(e) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/sql`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const controller of pending) controller.abort(new Error('server closing'));
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(endpoint: SqlEndpoint, req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS_HEADERS).end();
    return;
  }
  if (req.method === 'GET' && path === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, backend: endpoint.backend.kind }));
    return;
  }
  if (!path.endsWith('/sql')) {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'not found' }));
    return;
  }

  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const request = new Request(`http://${req.headers.host ?? 'local'}${req.url ?? '/sql'}`, {
    method: req.method ?? 'POST',
    headers,
    signal,
    ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });

  let response: Response;
  try {
    response = await endpoint.handle(request);
  } catch (e) {
    // Injected network fault, or the hang ended because the client left: drop the connection.
    if (e instanceof NetworkFaultError || signal.aborted) {
      req.socket.destroy();
      return;
    }
    throw e;
  }
  const body = Buffer.from(await response.arrayBuffer());
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  res.end(body);
}
