/**
 * The worker side of a job: receive one start message, run the job's handler with a
 * cancel signal and a throttled progress reporter, report success or a typed error.
 */
import { BugError, toErrorPayload } from '../../shared/errors';
import { createJobContext } from './job-context';
import { jobHandlers } from './job-handlers';
import type { HostToWorker, WorkerPort } from './job-protocol';

const PROGRESS_INTERVAL_MS = 100;

export function runWorker(port: WorkerPort, onDone: () => void): void {
  const abort = new AbortController();
  let started = false;

  port.onMessage((message: HostToWorker) => {
    if (message.type === 'cancel') {
      abort.abort();
      return;
    }
    if (started) return;
    started = true;
    void runJob(message).finally(onDone);
  });

  async function runJob(start: Extract<HostToWorker, { type: 'start' }>): Promise<void> {
    let lastSent = 0;
    const context = createJobContext(abort.signal, start.projectDir, start.lockToken, (done, total, text) => {
      const now = Date.now();
      if (now - lastSent < PROGRESS_INTERVAL_MS && done < total) return;
      lastSent = now;
      port.send({ type: 'progress', done, total, message: text });
    });
    try {
      const handler = jobHandlers[start.kind];
      if (!handler) throw new BugError(`No handler for job kind ${String(start.kind)}.`);
      const result = await handler(start.input, context);
      port.send({ type: 'succeeded', result: result ?? null });
    } catch (error) {
      port.send({ type: 'failed', error: toErrorPayload(error) });
    }
  }
}
