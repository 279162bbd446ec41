import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../src/main/server/web-server';
import type { Workbench } from '../../../src/main/services/workbench';
import { tempDir } from '../../helpers/temp-dir';
import { testWorkbench } from '../../helpers/workbench';

let workbench: Workbench;
let server: WebServer;
let rendererDir: string;

beforeEach(async () => {
  rendererDir = tempDir('renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>wb</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  workbench = testWorkbench();
  server = await startWebServer({ workbench, rendererDir, port: 0 });
});

afterEach(async () => {
  await server.close();
  await workbench.close();
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so tests control every header (fetch would add or forbid some). */
function request(
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: urlPath, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const api = (route: string, headers: Record<string, string>, body = '{}'): Promise<RawResponse> =>
  request('POST', `/api/invoke/${route}`, { 'content-type': 'application/json', ...headers }, body);

describe('web mode server', () => {
  it('listens on 127.0.0.1 and prints a URL carrying the token in the fragment', () => {
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.url).toBe(`${server.origin}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers an API call with the right token', async () => {
    const response = await api('projects.list', { authorization: `Bearer ${server.token}` });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true, data: { projects: [] } });
  });

  it('refuses an API call without a token, or with a wrong one, with 401', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: `Bearer ${server.token}x` },
      { authorization: server.token },
    ];
    for (const headers of attempts) {
      const response = await api('projects.list', headers);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('refuses a foreign Origin with 403, even with the right token', async () => {
    const response = await api('projects.list', {
      authorization: `Bearer ${server.token}`,
      origin: 'https://evil.example',
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts its own Origin', async () => {
    const response = await api('projects.list', { authorization: `Bearer ${server.token}`, origin: server.origin });
    expect(response.status).toBe(200);
  });

  it('refuses a Host header that is not this server (DNS rebinding) with 403', async () => {
    const response = await api('projects.list', {
      authorization: `Bearer ${server.token}`,
      host: `attacker.example:${server.port}`,
    });
    expect(response.status).toBe(403);
  });

  it('maps contract errors to HTTP statuses and keeps the typed error', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const bad = await api('projects.create', auth, JSON.stringify({ name: 7 }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect((await api('no.such.route', auth)).status).toBe(404);
    expect((await api('projects.list', auth, '{not json')).status).toBe(400);
    expect((await request('GET', '/api/invoke/projects.list', auth)).status).toBe(405);
    expect(
      (await request('POST', '/api/invoke/projects.list', { ...auth, 'content-type': 'text/plain' }, '{}')).status,
    ).toBe(415);
  });

  it('serves the renderer with security headers, falls back to index.html for app routes, and blocks path escapes', async () => {
    const index = await request('GET', '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>wb</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await request('GET', '/assets/app.js')).headers['content-type']).toContain('javascript');
    expect((await request('GET', '/projects/abc')).body).toContain('<title>wb</title>');
    expect((await request('GET', '/assets/missing.js')).status).toBe(404);
    // Dot segments are resolved by URL parsing and stay inside the renderer folder...
    const dotted = await request('GET', '/%2e%2e/%2e%2e/etc/passwd');
    expect(dotted.body).not.toContain('root:');
    // ...and encoded slashes that would climb out after decoding are refused.
    const escape = await request('GET', '/..%2f..%2f..%2fetc%2fpasswd');
    expect(escape.status).toBe(403);
    expect(escape.body).not.toContain('root:');
  });

  it('streams events over a WebSocket only to a client presenting the token', async () => {
    const url = `ws://127.0.0.1:${server.port}/api/events`;
    const refused = new WebSocket(url, ['ctvlm.events.v1', 'ctvlm.token.wrong']);
    const refusal = await new Promise<string>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      refused.on('error', (error) => resolve(error.message));
    });
    expect(refusal).toContain('401');

    const foreign = new WebSocket(url, ['ctvlm.events.v1', `ctvlm.token.${server.token}`], {
      origin: 'https://evil.example',
    });
    const foreignRefusal = await new Promise<string>((resolve) => {
      foreign.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      foreign.on('error', (error) => resolve(error.message));
    });
    expect(foreignRefusal).toContain('403');

    const socket = new WebSocket(url, ['ctvlm.events.v1', `ctvlm.token.${server.token}`]);
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => resolve());
      socket.on('error', reject);
    });
    expect(socket.protocol).toBe('ctvlm.events.v1');
    const received = new Promise<unknown>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    await api('projects.create', { authorization: `Bearer ${server.token}` }, JSON.stringify({ name: 'Chest' }));
    expect(await received).toEqual({ event: 'projects.changed', payload: {} });
    socket.close();
  });
});
