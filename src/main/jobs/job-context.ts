import { CancelledError } from '../../shared/errors';

/** What a job's code sees: its cancel signal, a progress reporter, and its project. */
export interface JobContext {
  signal: AbortSignal;
  projectDir: string | null;
  lockToken: string | null;
  /** Report progress; cheap to call often (the runtime throttles what it sends). */
  progress(done: number, total: number, message: string): void;
  /** Throw CancelledError if the job was cancelled. Call it between units of work. */
  throwIfCancelled(): void;
}

export function createJobContext(
  signal: AbortSignal,
  projectDir: string | null,
  lockToken: string | null,
  report: (done: number, total: number, message: string) => void,
): JobContext {
  return {
    signal,
    projectDir,
    lockToken,
    progress: report,
    throwIfCancelled() {
      if (signal.aborted) throw new CancelledError();
    },
  };
}
