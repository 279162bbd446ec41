/**
 * Runs long work outside the host process: one worker process per job, progress events
 * with an ETA, cancel (then kill after a grace period), and a typed error if the worker
 * dies. A job that writes to a project holds that project's write lock for its duration.
 */
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind, JobStatus } from '../../shared/api/job-schemas';
import { BugError, fromErrorPayload, UserError, type AppError, type ErrorPayload } from '../../shared/errors';
import type { EventHub } from '../api/event-hub';
import { acquireProjectLock, type ProjectLock } from '../store/project-lock';
import type { WorkerChannel, WorkerLauncher, WorkerToHost } from './job-protocol';

export interface JobProject {
  id: string;
  dir: string;
}

interface RunningJob {
  info: JobInfo;
  channel: WorkerChannel;
  lock: ProjectLock | null;
  startedMs: number;
  killTimer: NodeJS.Timeout | null;
  finished: Promise<JobInfo>;
  result: unknown;
}

const KEEP_FINISHED = 50;
const EXIT_SETTLE_MS = 100;

export class JobManager {
  private readonly jobs = new Map<string, RunningJob>();

  constructor(
    private readonly launcher: WorkerLauncher,
    private readonly events: EventHub,
    private readonly cancelGraceMs = 10_000,
  ) {}

  /** Start a job. Throws (before starting anything) if its project is locked by another process. */
  start(kind: JobKind, input: unknown, project: JobProject | null): JobInfo {
    const jobId = randomUUID();
    const lock = project ? acquireProjectLock(project.dir, `job ${kind}`) : null;
    let channel: WorkerChannel;
    try {
      channel = this.launcher.launch(jobId);
    } catch (error) {
      lock?.release();
      throw new BugError(`Could not start a worker process for ${kind}: ${(error as Error).message}`, { cause: error });
    }
    const info: JobInfo = {
      jobId,
      kind,
      projectId: project?.id ?? null,
      done: 0,
      total: 0,
      etaSeconds: null,
      message: 'Starting…',
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
      result: null,
    };
    let resolveFinished: (info: JobInfo) => void = () => undefined;
    const job: RunningJob = {
      info,
      channel,
      lock,
      startedMs: Date.now(),
      killTimer: null,
      finished: new Promise((resolve) => (resolveFinished = resolve)),
      result: null,
    };
    this.jobs.set(jobId, job);

    let ended = false;
    const end = (status: Exclude<JobStatus, 'running'>, error: ErrorPayload | null): void => {
      if (ended) return;
      ended = true;
      if (job.killTimer) clearTimeout(job.killTimer);
      job.lock?.release();
      info.status = status;
      info.error = error;
      info.finishedAt = new Date().toISOString();
      info.etaSeconds = status === 'succeeded' ? 0 : null;
      info.result = status === 'succeeded' ? job.result : null;
      this.events.emit('job.finished', { jobId, kind, projectId: info.projectId, status, error, result: info.result });
      this.pruneFinished();
      resolveFinished(info);
    };

    channel.onMessage((message: WorkerToHost) => {
      switch (message.type) {
        case 'progress':
          this.onProgress(job, message.done, message.total, message.message);
          break;
        case 'succeeded':
          job.result = message.result;
          if (info.total > 0) this.onProgress(job, info.total, info.total, 'Done.');
          end('succeeded', null);
          break;
        case 'failed':
          end(
            message.error.kind === 'cancelled' ? 'cancelled' : 'failed',
            message.error.kind === 'cancelled' ? null : message.error,
          );
          break;
      }
    });
    channel.onExit((code, signal) => {
      // Let messages the worker sent just before exiting arrive first.
      setTimeout(() => onWorkerExit(code, signal), EXIT_SETTLE_MS);
    });
    const onWorkerExit = (code: number | null, signal: string | null): void => {
      if (info.status === 'running' && job.killTimer === null) {
        end('failed', {
          code: 'WORKER_CRASHED',
          kind: 'bug',
          message: `The worker process for ${kind} stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}), possibly out of memory. Nothing it had not finished was saved; start it again.`,
        });
      } else {
        end('cancelled', null);
      }
    };
    channel.send({
      type: 'start',
      jobId,
      kind,
      input,
      projectDir: project?.dir ?? null,
      lockToken: lock?.token ?? null,
    });
    this.events.emit('job.progress', this.progressOf(info));
    return { ...info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()]
      .map((job) => ({ ...job.info }))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Ask a job to stop. The worker gets `cancelGraceMs` to stop cleanly, then is killed. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) throw new UserError('JOB_NOT_FOUND', `There is no job ${jobId}; it may have ended long ago.`);
    if (job.info.status !== 'running') return false;
    job.info.message = 'Cancelling…';
    job.channel.send({ type: 'cancel' });
    job.killTimer ??= setTimeout(() => job.channel.kill(), this.cancelGraceMs);
    return true;
  }

  /** Resolves when the job ends; rejects with its typed error if it failed or was cancelled. */
  async wait(jobId: string): Promise<unknown> {
    const job = this.jobs.get(jobId);
    if (!job) throw new UserError('JOB_NOT_FOUND', `There is no job ${jobId}.`);
    const info = await job.finished;
    if (info.status === 'succeeded') return job.result;
    throw toError(info);
  }

  /** Cancel everything still running and wait for it to end. */
  async shutdown(): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.info.status === 'running');
    for (const job of running) this.cancel(job.info.jobId);
    await Promise.all(running.map((job) => job.finished));
  }

  private onProgress(job: RunningJob, done: number, total: number, message: string): void {
    const info = job.info;
    info.done = done;
    info.total = total;
    info.message = message;
    const elapsed = (Date.now() - job.startedMs) / 1000;
    info.etaSeconds = done > 0 && total >= done ? Math.round((elapsed / done) * (total - done)) : null;
    this.events.emit('job.progress', this.progressOf(info));
  }

  private progressOf(info: JobInfo) {
    const { jobId, kind, projectId, done, total, etaSeconds, message } = info;
    return { jobId, kind, projectId, done, total, etaSeconds, message };
  }

  private pruneFinished(): void {
    const finished = [...this.jobs.values()].filter((job) => job.info.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.info.jobId);
  }
}

function toError(info: JobInfo): AppError {
  if (info.status === 'cancelled')
    return fromErrorPayload({ code: 'CANCELLED', kind: 'cancelled', message: `${info.kind} was cancelled.` });
  return fromErrorPayload(info.error ?? { code: 'INTERNAL', kind: 'bug', message: `${info.kind} failed.` });
}
