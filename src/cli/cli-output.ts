/** How the CLI prints: human text or one JSON document on stdout; errors and progress on stderr. */
import { AppError, toErrorPayload } from '../shared/errors';

export interface Output {
  json: boolean;
  /** The command's result: JSON as is, or the human text. */
  result(data: unknown, human: () => string): void;
  info(line: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
    },
    info(line) {
      if (!json) process.stderr.write(`${line}\n`);
    },
  };
}

/** Exit codes: 1 for something the user can fix, 130 for cancelled, 70 for a defect. */
export function reportError(error: unknown, json: boolean): number {
  const payload = toErrorPayload(error);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: payload }, null, 2)}\n`);
  process.stderr.write(
    `ctvlm: ${payload.message}${payload.kind === 'bug' ? ' (this is a bug; please report it)' : ''}\n`,
  );
  if (payload.kind === 'bug' && !(error instanceof AppError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return payload.kind === 'cancelled' ? 130 : payload.kind === 'bug' ? 70 : 1;
}
