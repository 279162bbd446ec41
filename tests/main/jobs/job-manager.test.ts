import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { EventName, EventPayload } from '../../../src/shared/api/events';
import type { JobProgress } from '../../../src/shared/api/job-schemas';
import { EventHub } from '../../../src/main/api/event-hub';
import { JobManager } from '../../../src/main/jobs/job-manager';
import { createNodeWorkerLauncher } from '../../../src/main/jobs/node-worker-launcher';
import { LOCK_FILE } from '../../../src/main/store/project-lock';
import { createProject, openProject } from '../../../src/main/store/project-store';
import { DEMO_STUDY_COUNT } from '../../../src/main/demo/demo-build-job';
import type { Workbench } from '../../../src/main/services/workbench';
import { startTsProcess, stopProcess } from '../../helpers/child-process';
import { REPO_ROOT } from '../../helpers/paths';
import { tempDir } from '../../helpers/temp-dir';
import { testWorkbench } from '../../helpers/workbench';

const open: Workbench[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await Promise.all(children.splice(0).map((c) => stopProcess(c)));
});

function workbench(): Workbench {
  const w = testWorkbench({ cancelGraceMs: 5_000 });
  open.push(w);
  return w;
}

function record(hub: EventHub): Array<{ event: EventName; payload: unknown }> {
  const seen: Array<{ event: EventName; payload: unknown }> = [];
  hub.subscribe((event: EventName, payload: EventPayload<EventName>) => seen.push({ event, payload }));
  return seen;
}

function studiesIn(dir: string): { count: number; missingFiles: number; withoutReport: number } {
  const project = openProject(dir, { mode: 'read' });
  try {
    const rows = project.db
      .prepare(
        'SELECT s.image_path AS imagePath, r.id AS reportId FROM studies s LEFT JOIN reports r ON r.study_id = s.id',
      )
      .all() as { imagePath: string; reportId: number | null }[];
    return {
      count: rows.length,
      missingFiles: rows.filter((row) => !fs.existsSync(path.resolve(dir, row.imagePath))).length,
      withoutReport: rows.filter((row) => row.reportId === null).length,
    };
  } finally {
    project.close();
  }
}

describe('jobs in worker processes', () => {
  it(
    'builds the demo project in a worker with progress and ETA, then releases the project lock',
    { timeout: 300_000 },
    async () => {
      const w = workbench();
      const seen = record(w.events);
      const { projectId, jobId } = w.demo.ensure();
      expect(jobId).not.toBeNull();
      const demoDir = w.projects.resolve(projectId).path;
      expect(fs.existsSync(path.join(demoDir, LOCK_FILE))).toBe(true); // held while the job writes
      await w.jobs.wait(jobId ?? '');

      const progress = seen.filter((e) => e.event === 'job.progress').map((e) => e.payload as JobProgress);
      expect(progress.length).toBeGreaterThan(2);
      const dones = progress.map((p) => p.done);
      expect([...dones].sort((a, b) => a - b)).toEqual(dones); // never goes backwards
      const last = progress.at(-1);
      expect(last?.total).toBeGreaterThanOrEqual(DEMO_STUDY_COUNT);
      expect(last).toMatchObject({ done: last?.total, etaSeconds: 0 });
      expect(progress.some((p) => p.etaSeconds !== null && p.done > 0 && p.done < p.total)).toBe(true);
      expect(seen.find((e) => e.event === 'job.finished')?.payload).toMatchObject({
        jobId,
        status: 'succeeded',
        error: null,
      });

      expect(studiesIn(demoDir)).toEqual({ count: DEMO_STUDY_COUNT, missingFiles: 0, withoutReport: 0 });
      expect(fs.existsSync(path.join(demoDir, LOCK_FILE))).toBe(false);
      expect(w.demo.ensure()).toEqual({ projectId, jobId: null }); // already complete: nothing to do
      expect(w.jobs.list()[0]).toMatchObject({ jobId, status: 'succeeded' });
      expect(w.jobs.list()[0]?.finishedAt).not.toBeNull();
    },
  );

  it(
    'cancels a running job, keeps what was finished consistent, and resumes to completion',
    { timeout: 300_000 },
    async () => {
      const w = workbench();
      const { projectId, jobId } = w.demo.ensure();
      const cancelled = new Promise<void>((resolve) => {
        const off = w.events.subscribe((event, payload) => {
          if (event === 'job.progress' && (payload as JobProgress).done >= 1) {
            off();
            w.jobs.cancel(jobId ?? '');
            resolve();
          }
        });
      });
      await cancelled;
      await expect(w.jobs.wait(jobId ?? '')).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(w.jobs.list().find((j) => j.jobId === jobId)?.status).toBe('cancelled');

      const dir = w.projects.resolve(projectId).path;
      const partial = studiesIn(dir);
      expect(partial.count).toBeLessThan(DEMO_STUDY_COUNT);
      expect(partial).toMatchObject({ missingFiles: 0, withoutReport: 0 });
      expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);

      const again = w.demo.ensure();
      expect(again.jobId).not.toBeNull();
      await w.jobs.wait(again.jobId ?? '');
      expect(studiesIn(dir)).toEqual({ count: DEMO_STUDY_COUNT, missingFiles: 0, withoutReport: 0 });
    },
  );

  it('reports a worker that dies as WORKER_CRASHED and releases the lock', async () => {
    const hub = new EventHub();
    const seen = record(hub);
    const jobs = new JobManager(
      createNodeWorkerLauncher(path.join(REPO_ROOT, 'tests/helpers/crashing-worker.ts')),
      hub,
    );
    const dir = path.join(tempDir(), 'p');
    createProject(dir, { name: 'p', createdBy: 'test' }).close();
    const job = jobs.start('demo.build', {}, { id: 'p', dir });
    const error = await jobs.wait(job.jobId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WORKER_CRASHED' });
    expect((error as Error).message).toContain('exit code 3');
    expect(seen.at(-1)).toMatchObject({
      event: 'job.finished',
      payload: { status: 'failed', error: { code: 'WORKER_CRASHED' } },
    });
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('kills a worker that ignores cancel once the grace period ends', async () => {
    const jobs = new JobManager(
      createNodeWorkerLauncher(path.join(REPO_ROOT, 'tests/helpers/stubborn-worker.ts')),
      new EventHub(),
      300,
    );
    const job = jobs.start('demo.build', {}, null);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(jobs.cancel(job.jobId)).toBe(true);
    const started = Date.now();
    await expect(jobs.wait(job.jobId)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to start a job on a project another process is writing, without starting a worker', async () => {
    const dir = path.join(tempDir(), 'p');
    createProject(dir, { name: 'p', createdBy: 'test' }).close();
    const { child } = await startTsProcess(path.join(REPO_ROOT, 'tests/helpers/hold-project-lock.ts'), [dir], /locked/);
    children.push(child);
    const jobs = new JobManager(createNodeWorkerLauncher(), new EventHub());
    expect(() => jobs.start('demo.build', {}, { id: 'p', dir })).toThrow(
      expect.objectContaining({ code: 'PROJECT_LOCKED' }),
    );
    expect(jobs.list()).toEqual([]);
  });

  it('says so when asked to cancel a job it does not know', () => {
    const jobs = new JobManager(createNodeWorkerLauncher(), new EventHub());
    expect(() => jobs.cancel('nope')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
  });
});
