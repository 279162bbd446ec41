/**
 * The one door to a local Ollama server, through the `ollama` npm client: health and version,
 * installed models, chat with a JSON-schema format (streamed, with a time limit and cancel),
 * pull with progress, and unloading a model (keep_alive 0) so training gets the GPU back.
 * Every failure becomes a UserError a person can act on: the host that could not be reached,
 * the model to pull, the request that timed out.
 */
import { Ollama, type Message } from 'ollama';
import {
  DEFAULT_OLLAMA_HOST,
  RECOMMENDED_OLLAMA_MODEL,
  SMALLER_OLLAMA_MODELS,
  type OllamaModel,
  type OllamaStatus,
} from '../../../shared/api/extraction-schemas';
import { CancelledError, UserError } from '../../../shared/errors';

export interface OllamaConnectionOptions {
  host?: string | null;
  /** Cancels every request of this connection. */
  signal?: AbortSignal;
}

export interface ChatOptions {
  model: string;
  messages: Message[];
  /** A JSON schema the answer must follow (Ollama's structured output). */
  format: object;
  /** The whole answer's time limit. */
  timeoutMs: number;
}

export interface PullProgress {
  status: string;
  /** The layer being downloaded; a model has several, each with its own byte counts. */
  digest: string | null;
  completed: number;
  total: number;
}

export class OllamaConnection {
  readonly host: string;
  private readonly signal: AbortSignal | undefined;

  constructor(options: OllamaConnectionOptions = {}) {
    this.host = options.host ?? DEFAULT_OLLAMA_HOST;
    this.signal = options.signal;
  }

  /** Version and installed models; a server that is down is reported, not thrown. */
  async status(timeoutMs = 5000): Promise<OllamaStatus> {
    const base = {
      host: this.host,
      recommended: RECOMMENDED_OLLAMA_MODEL,
      suggestions: [...SMALLER_OLLAMA_MODELS],
    };
    try {
      const client = this.client(timeoutMs);
      const { version } = await client.version();
      const models = await this.models(timeoutMs);
      return { ...base, reachable: true, version, models, message: null };
    } catch (error) {
      const failure = this.explain(error, null, timeoutMs);
      if (failure instanceof CancelledError) throw failure;
      return { ...base, reachable: false, version: null, models: [], message: failure.message };
    }
  }

  async models(timeoutMs = 10_000): Promise<OllamaModel[]> {
    try {
      const { models } = await this.client(timeoutMs).list();
      return models.map((model) => ({
        name: model.name,
        sizeBytes: Number(model.size) || 0,
        parameterSize: model.details?.parameter_size || null,
        modifiedAt: model.modified_at ? new Date(model.modified_at).toISOString() : null,
      }));
    } catch (error) {
      throw this.explain(error, null, timeoutMs);
    }
  }

  /** Throws OLLAMA_UNREACHABLE or OLLAMA_MODEL_MISSING before any work starts. */
  async requireModel(model: string): Promise<void> {
    const installed = await this.models();
    const wanted = withTag(model);
    if (!installed.some((candidate) => withTag(candidate.name) === wanted)) throw this.missingModel(model);
  }

  /** One answer, streamed and collected; `thinking` is dropped. */
  async chat(options: ChatOptions): Promise<string> {
    try {
      const stream = await this.client(options.timeoutMs).chat({
        model: options.model,
        messages: options.messages,
        format: options.format,
        stream: true,
        think: false,
        // Deterministic; a context that holds the instructions, the example, a long report and
        // its answer (Ollama's default of 2048-4096 tokens would cut long reports silently);
        // a bound on the answer so a model that rambles stops.
        options: { temperature: 0, num_ctx: 8192, num_predict: 4096 },
      });
      let content = '';
      for await (const part of stream) content += part.message?.content ?? '';
      return content;
    } catch (error) {
      throw this.explain(error, options.model, options.timeoutMs);
    }
  }

  /** Download a model; `onProgress` sees each status line with its byte counts. */
  async pull(model: string, onProgress: (progress: PullProgress) => void): Promise<void> {
    try {
      const stream = await this.client(null).pull({ model, stream: true });
      for await (const part of stream) {
        onProgress({
          status: part.status,
          digest: part.digest || null,
          completed: part.completed ?? 0,
          total: part.total ?? 0,
        });
      }
    } catch (error) {
      const failure = this.explain(error, model, null);
      if (failure instanceof UserError && failure.code === 'OLLAMA_FAILED') {
        const reason = error instanceof Error ? error.message : String(error);
        throw new UserError('OLLAMA_FAILED', `Ollama at ${this.host} could not pull ${model}: ${reason}`, {
          cause: error,
        });
      }
      throw failure;
    }
  }

  /** Unload the model now (keep_alive 0), so its GPU memory is free for training. Never throws. */
  async unload(model: string): Promise<boolean> {
    try {
      await new Ollama({ host: this.host, fetch: limitedFetch(undefined, 5000) }).chat({
        model,
        messages: [],
        keep_alive: 0,
        stream: false,
      });
      return true;
    } catch {
      return false;
    }
  }

  missingModel(model: string): UserError {
    return new UserError(
      'OLLAMA_MODEL_MISSING',
      `The model ${model} is not installed in Ollama at ${this.host}. Pull it first (\`ctvlm ollama pull ${model}\`, or Pull in the Extraction panel), or choose an installed model.`,
    );
  }

  private client(timeoutMs: number | null): Ollama {
    return new Ollama({ host: this.host, fetch: limitedFetch(this.signal, timeoutMs) });
  }

  /** A failure as a person can act on it. */
  private explain(error: unknown, model: string | null, timeoutMs: number | null): Error {
    if (this.signal?.aborted) return new CancelledError();
    if (error instanceof UserError) return error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new UserError(
        'OLLAMA_FAILED',
        `Ollama at ${this.host} did not answer within ${Math.round((timeoutMs ?? 0) / 1000)} s; the model may still be loading or the GPU may be busy. Try again, or allow more time (--timeout).`,
        { cause: error },
      );
    }
    if (name === 'ResponseError') {
      const status = (error as { status_code?: number }).status_code;
      const message = (error as Error).message;
      if (status === 404 && model) return this.missingModel(model);
      return new UserError('OLLAMA_FAILED', `Ollama at ${this.host} answered ${status ?? 'an error'}: ${message}`, {
        cause: error,
      });
    }
    const code = networkCode(error);
    if (code) {
      return new UserError(
        'OLLAMA_UNREACHABLE',
        `Cannot reach Ollama at ${this.host} (${code}). Start it (\`ollama serve\`) and check the host setting, or use the rule-based extractor, which needs no server (\`--engine rules\` in the CLI).`,
        { cause: error },
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new UserError('OLLAMA_FAILED', `Ollama at ${this.host} failed: ${message}`, { cause: error });
  }
}

/** "qwen3" means "qwen3:latest" to Ollama. */
export function withTag(model: string): string {
  return model.includes(':') ? model : `${model}:latest`;
}

/** fetch with the connection's cancel signal and a time limit for the whole request. */
function limitedFetch(signal: AbortSignal | undefined, timeoutMs: number | null): typeof fetch {
  return (input, init) => {
    const signals = [init?.signal, signal, timeoutMs === null ? undefined : AbortSignal.timeout(timeoutMs)].filter(
      (candidate): candidate is AbortSignal => candidate instanceof AbortSignal,
    );
    return fetch(input, { ...init, signal: signals.length > 0 ? AbortSignal.any(signals) : null });
  };
}

/** ECONNREFUSED, ENOTFOUND, ... from undici's "fetch failed" TypeError (its cause). */
function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message ? cause.message : 'connection failed';
  }
  return null;
}
