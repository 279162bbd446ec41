/**
 * The `system.doctor` job as the Settings page sees it: start it, follow its progress, and read
 * its report (parsed with the shared schema) or its error. On mount the latest doctor job is
 * picked up again, so the report survives leaving the page.
 */
import { onMounted, ref, type Ref } from 'vue';
import { DoctorReportSchema, type ComputeBackendName, type DoctorReport } from '@shared/api/doctor-schemas';
import type { JobFinished, JobProgress } from '@shared/api/job-schemas';
import { messageOf, useApi, useApiEvent } from '../../composables/use-api';
import { progressOf, startingProgress } from '../job-progress';

type Outcome = Pick<JobFinished, 'jobId' | 'status' | 'error' | 'result'>;

export interface DoctorJob {
  job: Ref<JobProgress | null>;
  report: Ref<DoctorReport | null>;
  error: Ref<string | null>;
  starting: Ref<boolean>;
  start: (backend: ComputeBackendName | null) => Promise<void>;
  cancel: (jobId: string) => Promise<void>;
}

export function useDoctorJob(): DoctorJob {
  const api = useApi();
  const job = ref<JobProgress | null>(null);
  const report = ref<DoctorReport | null>(null);
  const error = ref<string | null>(null);
  const starting = ref(false);
  /** Outcomes that arrived before `system.doctor` answered with their job id. */
  const early = new Map<string, Outcome>();

  function settle(outcome: Outcome): void {
    job.value = null;
    if (outcome.status === 'succeeded') {
      const parsed = DoctorReportSchema.safeParse(outcome.result);
      if (parsed.success) report.value = parsed.data;
      else error.value = `The doctor's report could not be read (${parsed.error.issues[0]?.message ?? 'bad shape'}).`;
    } else if (outcome.status === 'failed') {
      error.value = outcome.error?.message ?? 'The doctor failed without saying why.';
    } else {
      error.value = 'The doctor was cancelled; run it again to see the backends.';
    }
  }

  async function start(backend: ComputeBackendName | null): Promise<void> {
    starting.value = true;
    error.value = null;
    try {
      const { jobId } = await api.invoke('system.doctor', backend === null ? {} : { backend });
      const outcome = early.get(jobId);
      if (outcome) settle(outcome);
      else job.value = waiting(jobId);
    } catch (e) {
      error.value = messageOf(e);
    } finally {
      starting.value = false;
    }
  }

  async function cancel(jobId: string): Promise<void> {
    try {
      await api.invoke('jobs.cancel', { jobId });
    } catch (e) {
      error.value = messageOf(e);
    }
  }

  async function restore(): Promise<void> {
    try {
      const latest = (await api.invoke('jobs.list', {})).jobs
        .filter((item) => item.kind === 'system.doctor')
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
      if (!latest || job.value || report.value) return;
      if (latest.status === 'running') job.value = progressOf(latest);
      else if (latest.status === 'succeeded')
        settle({ jobId: latest.jobId, status: latest.status, error: latest.error, result: latest.result });
    } catch (e) {
      error.value = messageOf(e);
    }
  }

  useApiEvent('job.progress', (progress) => {
    if (progress.kind === 'system.doctor' && progress.jobId === job.value?.jobId) job.value = { ...progress };
  });
  useApiEvent('job.finished', (event) => {
    if (event.kind !== 'system.doctor') return;
    if (event.jobId === job.value?.jobId) settle(event);
    else early.set(event.jobId, event);
  });
  onMounted(() => void restore());

  return { job, report, error, starting, start, cancel };
}

function waiting(jobId: string): JobProgress {
  return startingProgress(jobId, 'system.doctor', null, 'Testing compute backends…');
}
