/** What every command gets: a workbench built on demand, its typed API client, and the output. */
import { createApiClient, type ApiClient } from '../shared/api/client';
import { CancelledError, fromErrorPayload } from '../shared/errors';
import { createInProcessBridge } from '../main/api/in-process-bridge';
import { defaultDataDir } from '../main/data-dir';
import { createNodeWorkerLauncher } from '../main/jobs/node-worker-launcher';
import { createWorkbench, type Workbench } from '../main/services/workbench';
import { createOutput, type Output } from './cli-output';
import { createProgressPrinter } from './progress-bar';

export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
}

export class CliContext {
  readonly output: Output;
  private workbenchInstance: Workbench | null = null;
  private clientInstance: ApiClient | null = null;

  constructor(
    private readonly options: GlobalOptions,
    private readonly mode: 'cli' | 'web' = 'cli',
  ) {
    this.output = createOutput(options.json ?? false);
  }

  get dataDir(): string {
    return this.options.dataDir ?? defaultDataDir();
  }

  get workbench(): Workbench {
    this.workbenchInstance ??= createWorkbench({
      dataDir: this.dataDir,
      mode: this.mode,
      launcher: createNodeWorkerLauncher(),
    });
    return this.workbenchInstance;
  }

  get api(): ApiClient {
    this.clientInstance ??= createApiClient(createInProcessBridge(this.workbench.dispatcher, this.workbench.events));
    return this.clientInstance;
  }

  /** Follow a job to its end, printing progress; Ctrl-C cancels it. Returns its result; throws its error. */
  async followJob(jobId: string): Promise<unknown> {
    const printer = createProgressPrinter(this.output.json);
    const api = this.api;
    const finished = new Promise<unknown>((resolve, reject) => {
      const offProgress = api.on('job.progress', (progress) => {
        if (progress.jobId === jobId) printer.update(progress);
      });
      const offFinished = api.on('job.finished', (event) => {
        if (event.jobId !== jobId) return;
        offProgress();
        offFinished();
        printer.finish();
        if (event.status === 'succeeded') resolve(event.result);
        else if (event.status === 'cancelled')
          reject(new CancelledError('Cancelled; the work done so far is kept and resumes next time.'));
        else reject(event.error ? fromErrorPayload(event.error) : new Error('The job failed.'));
      });
    });
    const onSignal = (): void => {
      process.stderr.write('\nCancelling… (press Ctrl-C again to force)\n');
      process.off('SIGINT', onSignal);
      void api.invoke('jobs.cancel', { jobId });
    };
    process.on('SIGINT', onSignal);
    try {
      // The job may have ended before we subscribed.
      const current = (await api.invoke('jobs.list', {})).jobs.find((job) => job.jobId === jobId);
      if (current && current.status !== 'running') {
        if (current.status === 'succeeded') return current.result;
        if (current.status === 'cancelled') throw new CancelledError();
        throw current.error ? fromErrorPayload(current.error) : new Error('The job failed.');
      }
      return await finished;
    } finally {
      process.off('SIGINT', onSignal);
    }
  }

  async close(): Promise<void> {
    await this.workbenchInstance?.close();
  }
}
