import type { ApiClient } from '../../src/shared/api/client';
import type { JobInfo } from '../../src/shared/api/job-schemas';

/** Poll until the job ends; returns its final info (whatever its status). */
export async function waitForJob(api: ApiClient, jobId: string, timeoutMs = 240_000): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api.invoke('jobs.list', {})).jobs.find((candidate) => candidate.jobId === jobId);
    if (job && job.status !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`Job ${jobId} still running after ${timeoutMs} ms: ${job?.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Wait for the job and return its result, failing with the job's own error message. */
export async function jobResult(api: ApiClient, jobId: string): Promise<unknown> {
  const job = await waitForJob(api, jobId);
  if (job.status !== 'succeeded') throw new Error(`Job ${job.kind} ${job.status}: ${job.error?.message ?? ''}`);
  return job.result;
}
