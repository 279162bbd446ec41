/**
 * A local HTTP server that speaks Ollama's REST API as documented (docs/api.md of ollama/ollama):
 * GET /api/version, GET /api/tags, POST /api/chat (NDJSON stream or one JSON object; `format`,
 * `keep_alive`; an empty message list loads or unloads the model), POST /api/pull (NDJSON
 * progress: "pulling manifest", byte counts per layer, "success"), 404 {"error": "model ... not
 * found"} for a model that is not installed, and errors as JSON {"error": ...}. Ollama itself
 * cannot be installed here, so this stands in for it; the product's real client code (the
 * `ollama` npm package and our connection) talks to it over real HTTP on 127.0.0.1.
 *
 * The "model" answers with a function of the request; the default one answers faithfully with
 * the rule-based extractor's result in the schema the prompt asked for.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ORGAN_SYSTEMS } from '../../src/shared/organ-systems';
import { decompose, extractWithRules } from '../../src/main/text/extraction/rule-extractor';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatCall {
  model: string;
  messages: ChatMessage[];
  format: unknown;
  stream: boolean;
  keepAlive: unknown;
  think: unknown;
}

export type Answer = (call: ChatCall) => string | Promise<string>;

export interface FakeOllamaOptions {
  /** Installed models (default qwen3:8b). */
  models?: string[];
  /** What the model says (default: a faithful extraction, see faithfulAnswer). */
  answer?: Answer;
  /** Wait this long before the first chunk of each chat answer. */
  delayMs?: number;
  /** Models /api/pull can download (default: any); others fail as the registry would. */
  pullable?: string[];
  /** Bytes of the weights layer a pull downloads, sent in `pullChunks` progress lines (a 487-byte params layer follows). */
  pullBytes?: number;
  pullChunks?: number;
  /** Wait this long between pull progress lines. */
  pullDelayMs?: number;
}

export interface FakeOllama {
  host: string;
  installed: Set<string>;
  /** Every request, in order. */
  requests: Array<{ method: string; path: string; body: unknown }>;
  /** Chat calls that asked for an answer (not load/unload). */
  chats(): ChatCall[];
  /** keep_alive: 0 requests, by model. */
  unloads(): string[];
  close(): Promise<void>;
}

const VERSION = '0.12.6';

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const installed = new Set(options.models ?? ['qwen3:8b']);
  const answer = options.answer ?? faithfulAnswer;
  const requests: FakeOllama['requests'] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = request.method === 'POST' ? await readJson(request) : null;
    requests.push({ method: request.method ?? 'GET', path: url.pathname, body });
    if (body === undefined)
      return sendJson(response, 400, { error: 'invalid character looking for beginning of value' });
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /api/version') return sendJson(response, 200, { version: VERSION });
    if (route === 'GET /api/tags') {
      return sendJson(response, 200, {
        models: [...installed].map((name) => ({
          name,
          model: name,
          modified_at: '2026-11-01T10:00:00.000000000Z',
          size: 5_225_387_923,
          digest: 'a'.repeat(64),
          details: {
            format: 'gguf',
            family: 'qwen3',
            families: ['qwen3'],
            parameter_size: '8.2B',
            quantization_level: 'Q4_K_M',
          },
        })),
      });
    }
    if (route === 'POST /api/chat') return chat(body as Record<string, unknown>, response);
    if (route === 'POST /api/pull') return pull(body as Record<string, unknown>, response);
    if (route === 'GET /') return sendText(response, 200, 'Ollama is running');
    return sendText(response, 404, '404 page not found');
  }

  async function chat(body: Record<string, unknown>, response: http.ServerResponse): Promise<void> {
    const model = typeof body.model === 'string' ? body.model : '';
    if (!installed.has(withTag(model))) {
      return sendJson(response, 404, { error: `model "${model}" not found, try pulling it first` });
    }
    const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
    const stream = body.stream !== false;
    const created = new Date().toISOString();
    if (messages.length === 0) {
      // Load or unload (keep_alive 0) the model.
      const done = {
        model,
        created_at: created,
        message: { role: 'assistant', content: '' },
        done_reason: body.keep_alive === 0 ? 'unload' : 'load',
        done: true,
      };
      return sendJson(response, 200, done);
    }
    const call: ChatCall = {
      model,
      messages,
      format: body.format,
      stream,
      keepAlive: body.keep_alive,
      think: body.think,
    };
    if (options.delayMs) await sleep(options.delayMs);
    const content = await answer(call);
    const final = {
      model,
      created_at: created,
      message: { role: 'assistant', content: stream ? '' : content },
      done_reason: 'stop',
      done: true,
      total_duration: 1_000_000,
      prompt_eval_count: 100,
      eval_count: 50,
    };
    if (!stream) return sendJson(response, 200, final);
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    // Stream the content in a few pieces, as Ollama streams tokens.
    const pieces = Math.max(1, Math.min(4, content.length));
    const size = Math.ceil(content.length / pieces);
    for (let i = 0; i < content.length; i += size) {
      response.write(
        `${JSON.stringify({ model, created_at: created, message: { role: 'assistant', content: content.slice(i, i + size) }, done: false })}\n`,
      );
    }
    response.end(`${JSON.stringify(final)}\n`);
  }

  async function pull(body: Record<string, unknown>, response: http.ServerResponse): Promise<void> {
    const model = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : '';
    const stream = body.stream !== false;
    if (options.pullable && !options.pullable.includes(model)) {
      if (!stream) return sendJson(response, 500, { error: 'pull model manifest: file does not exist' });
      response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      response.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
      return void response.end(`${JSON.stringify({ error: 'pull model manifest: file does not exist' })}\n`);
    }
    // Two layers, as a real model has (the weights, then a small params file), each with its own byte counts.
    const layers = [
      { digest: `sha256:${'b'.repeat(64)}`, total: options.pullBytes ?? 4_000_000, chunks: options.pullChunks ?? 4 },
      { digest: `sha256:${'c'.repeat(64)}`, total: 487, chunks: 1 },
    ];
    const lines: object[] = [{ status: 'pulling manifest' }];
    for (const layer of layers) {
      for (let i = 1; i <= layer.chunks; i += 1) {
        lines.push({
          status: `pulling ${layer.digest.slice(7, 19)}`,
          digest: layer.digest,
          total: layer.total,
          completed: Math.round((layer.total * i) / layer.chunks),
        });
      }
    }
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
    if (!stream) {
      installed.add(withTag(model));
      return sendJson(response, 200, { status: 'success' });
    }
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (const line of lines) {
      if (response.destroyed) return;
      if ((line as { status: string }).status === 'success') installed.add(withTag(model));
      response.write(`${JSON.stringify(line)}\n`);
      if (options.pullDelayMs) await sleep(options.pullDelayMs);
    }
    response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    installed,
    requests,
    chats: () =>
      requests
        .filter((r) => r.path === '/api/chat' && ((r.body as { messages?: unknown[] }).messages?.length ?? 0) > 0)
        .map((r) => {
          const body = r.body as Record<string, unknown>;
          return {
            model: String(body.model),
            messages: body.messages as ChatMessage[],
            format: body.format,
            stream: body.stream !== false,
            keepAlive: body.keep_alive,
            think: body.think,
          };
        }),
    unloads: () =>
      requests
        .filter((r) => r.path === '/api/chat' && (r.body as { keep_alive?: unknown }).keep_alive === 0)
        .map((r) => String((r.body as { model: unknown }).model)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (a server was there a moment ago): Ollama "down". */
export async function closedLoopbackHost(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Which prompt a chat call is: the sections one or the anatomy one (by its format's keys). */
export function promptKind(call: ChatCall): 'sections' | 'anatomy' {
  const properties = (call.format as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return 'findings' in properties ? 'sections' : 'anatomy';
}

/** The text the model is asked about: the last user message. */
export function askedText(call: ChatCall): string {
  return [...call.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
}

/** A faithful model: the rule-based extraction, in the schema the prompt asked for. */
export function faithfulAnswer(call: ChatCall): string {
  const text = askedText(call);
  if (promptKind(call) === 'sections') return JSON.stringify(extractWithRules(text).sections);
  const anatomy = decompose(text);
  return JSON.stringify(Object.fromEntries(ORGAN_SYSTEMS.map((organ) => [organ.key, anatomy[organ.key] ?? []])));
}

function withTag(model: string): string {
  return model.includes(':') ? model : `${model}:latest`;
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendText(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
