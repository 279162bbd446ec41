/** Job `ollama.pull`: download a model into the local Ollama, with byte progress and cancel. */
import { UserError } from '../../shared/errors';
import type { JobContext } from '../jobs/job-context';
import { OllamaConnection } from '../text/ollama/ollama-connection';

export interface OllamaPullInput {
  host: string;
  model: string;
}

export async function ollamaPullJob(input: unknown, context: JobContext): Promise<{ model: string; host: string }> {
  const { host, model } = input as OllamaPullInput;
  if (typeof host !== 'string' || typeof model !== 'string')
    throw new UserError('INVALID_INPUT', 'ollama.pull needs a host and a model.');
  const connection = new OllamaConnection({ host, signal: context.signal });
  let last = '';
  // Progress over all layers: each layer reports its own byte counts under its digest.
  const layers = new Map<string, { completed: number; total: number }>();
  let done = 0;
  let all = 0;
  await connection.pull(model, ({ status, digest, completed, total }) => {
    last = status;
    if (digest && total > 0) {
      const previous = layers.get(digest) ?? { completed: 0, total: 0 };
      done += completed - previous.completed;
      all += total - previous.total;
      layers.set(digest, { completed, total });
    }
    context.progress(
      done,
      all,
      all > 0 ? `${model}: ${status} (${mebibytes(done)} of ${mebibytes(all)} MiB)` : `${model}: ${status}`,
    );
  });
  if (last !== 'success')
    throw new UserError(
      'OLLAMA_FAILED',
      `Ollama at ${host} ended the pull of ${model} without success (last status: ${last || 'none'}).`,
    );
  context.progress(all, all, `${model}: installed`);
  return { model, host };
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}
