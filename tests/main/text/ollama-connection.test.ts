/**
 * The product's Ollama client code (the `ollama` npm package under our connection) against a
 * loopback server that speaks Ollama's documented API: status, models, structured chat
 * (streamed), pull with progress, unloading, and every failure a user meets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../../src/shared/errors';
import { OllamaConnection } from '../../../src/main/text/ollama/ollama-connection';
import { closedLoopbackHost, startFakeOllama, type FakeOllama } from '../../helpers/fake-ollama-server';

let servers: FakeOllama[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function fake(options: Parameters<typeof startFakeOllama>[0] = {}): Promise<FakeOllama> {
  const server = await startFakeOllama(options);
  servers.push(server);
  return server;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

const FORMAT = { type: 'object', properties: { findings: { type: 'string' } }, required: ['findings'] };

describe('the Ollama connection', () => {
  it('reports the version and installed models of a running server', async () => {
    const server = await fake({ models: ['qwen3:8b', 'llama3.2:latest'] });
    const status = await new OllamaConnection({ host: server.host }).status();
    expect(status).toMatchObject({ host: server.host, reachable: true, version: '0.12.6', message: null });
    expect(status.models.map((model) => model.name)).toEqual(['qwen3:8b', 'llama3.2:latest']);
    expect(status.models[0]).toMatchObject({ sizeBytes: 5_225_387_923, parameterSize: '8.2B' });
    expect(status.recommended).toBe('qwen3:8b');
  });

  it('says which host is down and offers the rule-based engine, without throwing from status', async () => {
    const host = await closedLoopbackHost();
    const connection = new OllamaConnection({ host });
    const status = await connection.status();
    expect(status.reachable).toBe(false);
    expect(status.message).toContain(`Cannot reach Ollama at ${host} (ECONNREFUSED)`);
    expect(status.message).toContain('--engine rules');
    const error = await failure(connection.requireModel('qwen3:8b'));
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'OLLAMA_UNREACHABLE' });
  });

  it('names a missing model and how to pull it, from the list and from a 404 on chat', async () => {
    const server = await fake({ models: ['qwen3:8b'] });
    const connection = new OllamaConnection({ host: server.host });
    await expect(connection.requireModel('qwen3:8b')).resolves.toBeUndefined();
    await expect(connection.requireModel('qwen3')).rejects.toMatchObject({ code: 'OLLAMA_MODEL_MISSING' });
    const error = await failure(
      connection.chat({
        model: 'qwen3:4b',
        messages: [{ role: 'user', content: 'x' }],
        format: FORMAT,
        timeoutMs: 5000,
      }),
    );
    expect(error).toMatchObject({ code: 'OLLAMA_MODEL_MISSING' });
    expect((error as Error).message).toContain('ctvlm ollama pull qwen3:4b');
  });

  it('asks with the JSON schema as format, no thinking, temperature 0, and collects the streamed answer', async () => {
    const server = await fake({ answer: () => '{"findings": "The liver is normal. No ascites."}' });
    const content = await new OllamaConnection({ host: server.host }).chat({
      model: 'qwen3:8b',
      messages: [{ role: 'user', content: 'report' }],
      format: FORMAT,
      timeoutMs: 5000,
    });
    expect(content).toBe('{"findings": "The liver is normal. No ascites."}');
    const [request] = server.requests.filter((r) => r.path === '/api/chat');
    expect(request?.body).toMatchObject({
      model: 'qwen3:8b',
      format: FORMAT,
      stream: true,
      think: false,
      options: { temperature: 0, num_ctx: 8192, num_predict: 4096 },
    });
  });

  it('gives up on a slow answer with a message, and stops at once when cancelled', async () => {
    const server = await fake({ delayMs: 1500 });
    const slow = await failure(
      new OllamaConnection({ host: server.host }).chat({
        model: 'qwen3:8b',
        messages: [{ role: 'user', content: 'x' }],
        format: FORMAT,
        timeoutMs: 200,
      }),
    );
    expect(slow).toMatchObject({ code: 'OLLAMA_FAILED' });
    expect((slow as Error).message).toMatch(/did not answer within 0 s|did not answer within/);

    const controller = new AbortController();
    const started = Date.now();
    const pending = new OllamaConnection({ host: server.host, signal: controller.signal }).chat({
      model: 'qwen3:8b',
      messages: [{ role: 'user', content: 'x' }],
      format: FORMAT,
      timeoutMs: 60_000,
    });
    setTimeout(() => controller.abort(), 100);
    expect(await failure(pending)).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('pulls a model with byte progress, then lists it; a model the registry lacks fails with its message', async () => {
    const server = await fake({ models: [], pullable: ['qwen3:4b'], pullBytes: 1000, pullChunks: 4 });
    const connection = new OllamaConnection({ host: server.host });
    const seen: Array<{ status: string; completed: number; total: number }> = [];
    await connection.pull('qwen3:4b', (progress) => seen.push(progress));
    expect(seen[0]?.status).toBe('pulling manifest');
    expect(seen.filter((p) => p.total === 1000).map((p) => p.completed)).toEqual([250, 500, 750, 1000]);
    expect(seen.at(-1)?.status).toBe('success');
    expect((await connection.models()).map((model) => model.name)).toEqual(['qwen3:4b']);

    const error = await failure(connection.pull('no-such-model:1b', () => undefined));
    expect(error).toMatchObject({ code: 'OLLAMA_FAILED' });
    expect((error as Error).message).toContain(
      'could not pull no-such-model:1b: pull model manifest: file does not exist',
    );
  });

  it('stops a pull at once when cancelled; the model is not installed', async () => {
    const server = await fake({ models: [], pullChunks: 50, pullDelayMs: 100 });
    const controller = new AbortController();
    const seen: string[] = [];
    const pulling = new OllamaConnection({ host: server.host, signal: controller.signal }).pull('qwen3:8b', (p) => {
      seen.push(p.status);
      if (seen.length === 3) controller.abort();
    });
    expect(await failure(pulling)).toBeInstanceOf(CancelledError);
    expect(seen.length).toBeLessThan(10);
    expect(server.installed.has('qwen3:8b')).toBe(false);
  });

  it('unloads a model with keep_alive 0', async () => {
    const server = await fake();
    expect(await new OllamaConnection({ host: server.host }).unload('qwen3:8b')).toBe(true);
    expect(server.unloads()).toEqual(['qwen3:8b']);
    expect(await new OllamaConnection({ host: await closedLoopbackHost() }).unload('qwen3:8b')).toBe(false);
  });
});
