import type { JobInfo, JobKind, JobProgress } from '@shared/api/job-schemas';

/** What a job's progress card shows between starting it and its first progress event. */
export function startingProgress(
  jobId: string,
  kind: JobKind,
  projectId: string | null,
  message: string,
  total = 1,
): JobProgress {
  return { jobId, kind, projectId, done: 0, total, etaSeconds: null, message };
}

/** A listed job (jobs.list) as the progress its card shows, e.g. when a page opens while it runs. */
export function progressOf(info: JobInfo): JobProgress {
  const { jobId, kind, projectId, done, total, etaSeconds, message } = info;
  return { jobId, kind, projectId, done, total, etaSeconds, message };
}
