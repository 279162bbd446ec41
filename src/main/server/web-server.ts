/**
 * Web mode: the same renderer and API as the desktop app, over HTTP (routes) and a
 * WebSocket (events), on 127.0.0.1 by default, guarded by a random per-launch token.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Envelope } from '../../shared/api/envelope';
import {
  WEB_API_PREFIX,
  WEB_EVENTS_PATH,
  WEB_EVENTS_SUBPROTOCOL,
  WEB_TOKEN_SUBPROTOCOL_PREFIX,
  type WebEventMessage,
} from '../../shared/api/web-protocol';
import { VIEWER_FILES_WEB_PREFIX } from '../../shared/api/viewer-files';
import type { ErrorCode } from '../../shared/errors';
import type { Workbench } from '../services/workbench';
import { httpStatusOf } from './http-status';
import { RequestGuard } from './request-guard';
import { serveStatic } from './static-files';
import { viewerFileResponse } from './viewer-file-response';

export interface WebServerOptions {
  workbench: Workbench;
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Normally random per launch; tests may fix it. */
  token?: string;
}

export interface WebServer {
  /** The address to open, with the token in the fragment (never sent to the server). */
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { workbench } = options;
  let guard: RequestGuard | null = null;

  const server = http.createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    if (!guard) return void response.writeHead(503).end();
    const refusal = guard.checkHostAndOrigin(request.headers);
    if (refusal) return sendJson(response, 403, failure('FORBIDDEN', refusal));
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    if (pathname.startsWith('/api/')) return void handleApi(request, response, pathname, guard);
    if (pathname.startsWith(VIEWER_FILES_WEB_PREFIX)) return void handleViewerFile(request, response, pathname, guard);
    serveStatic(options.rendererDir, request, response);
  });

  async function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
    check: RequestGuard,
  ): Promise<void> {
    if (!check.checkToken(check.bearerOf(request.headers))) {
      return sendJson(
        response,
        401,
        failure('UNAUTHORIZED', 'Missing or wrong access token: open the address the server printed.'),
      );
    }
    if (!pathname.startsWith(WEB_API_PREFIX))
      return sendJson(response, 404, failure('UNKNOWN_ROUTE', `No API at ${pathname}.`));
    if (request.method !== 'POST') return sendJson(response, 405, failure('INVALID_INPUT', 'API routes take POST.'));
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(response, 415, failure('INVALID_INPUT', 'API requests must be application/json.'));
    }
    let input: unknown;
    try {
      input = JSON.parse((await readBody(request)) || '{}');
    } catch (error) {
      return sendJson(
        response,
        400,
        failure('INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`),
      );
    }
    const route = decodeURIComponent(pathname.slice(WEB_API_PREFIX.length));
    const envelope = await workbench.dispatcher.invoke(route, input);
    sendJson(response, envelope.ok ? 200 : httpStatusOf(envelope.error), envelope);
  }

  /** A CT or Grad-CAM NIfTI for the viewer (viewer-files.ts): the token as for the API, then streamed. */
  async function handleViewerFile(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
    check: RequestGuard,
  ): Promise<void> {
    if (!check.checkToken(check.bearerOf(request.headers))) {
      return sendJson(response, 401, failure('UNAUTHORIZED', 'Missing or wrong access token for this file.'));
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(VIEWER_FILES_WEB_PREFIX.length));
    } catch {
      return sendJson(response, 400, failure('INVALID_INPUT', 'The file path is not valid.'));
    }
    const answer = await viewerFileResponse(workbench.viewer, relative, request.method ?? 'GET');
    response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    if (!answer.body) return void response.end();
    const body = Readable.fromWeb(answer.body as NodeReadableStream<Uint8Array>);
    body.on('error', () => response.destroy());
    request.on('close', () => body.destroy());
    body.pipe(response);
  }

  const sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(WEB_EVENTS_SUBPROTOCOL) ? WEB_EVENTS_SUBPROTOCOL : false),
  });
  server.on('upgrade', (request, socket, head) => {
    const pathname = (request.url ?? '').split('?')[0];
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const presented = offered
      .find((p) => p.startsWith(WEB_TOKEN_SUBPROTOCOL_PREFIX))
      ?.slice(WEB_TOKEN_SUBPROTOCOL_PREFIX.length);
    const refusal = !guard
      ? 'starting'
      : pathname !== WEB_EVENTS_PATH
        ? 'no such socket'
        : (guard.checkHostAndOrigin(request.headers) ?? (guard.checkToken(presented) ? null : 'bad token'));
    if (refusal) {
      socket.end(
        `HTTP/1.1 ${refusal === 'bad token' ? '401 Unauthorized' : '403 Forbidden'}\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => attachEvents(ws));
  });

  function attachEvents(ws: WebSocket): void {
    const unsubscribe = workbench.events.subscribe((event, payload) => {
      const message: WebEventMessage = { event, payload };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    let alive = true;
    ws.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ws.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  guard = new RequestGuard(token, host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const origin = `http://${shownHost}:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function failure(code: ErrorCode, message: string): Envelope<never> {
  return { ok: false, error: { code, message, kind: 'user' } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
