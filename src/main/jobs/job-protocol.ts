/** Messages between the host (server, CLI or Electron main) and a worker process. */
import type { JobKind } from '../../shared/api/job-schemas';
import type { ErrorPayload } from '../../shared/errors';

export type HostToWorker =
  | {
      type: 'start';
      jobId: string;
      kind: JobKind;
      input: unknown;
      /** The project folder the job writes to, if any. */
      projectDir: string | null;
      /** The host's write-lock token for that project. */
      lockToken: string | null;
    }
  | { type: 'cancel' };

export type WorkerToHost =
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'succeeded'; result: unknown }
  | { type: 'failed'; error: ErrorPayload };

/** The worker's side of its link to the host (a Node IPC channel or an Electron parentPort). */
export interface WorkerPort {
  send(message: WorkerToHost): void;
  onMessage(listener: (message: HostToWorker) => void): void;
}

/** The host's side: one worker process running one job. */
export interface WorkerChannel {
  send(message: HostToWorker): void;
  onMessage(listener: (message: WorkerToHost) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Starts worker processes: a Node child process, or an Electron utilityProcess. */
export interface WorkerLauncher {
  launch(jobId: string): WorkerChannel;
}
