/** The demo project: created on first start and filled by the `demo.build` job. */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_COMPLETE_KEY } from '../demo/demo-build-job';
import type { JobManager } from '../jobs/job-manager';
import { projectDbPath } from '../store/project-store';
import type { ProjectService } from './project-service';

export class DemoService {
  constructor(
    private readonly projects: ProjectService,
    private readonly jobs: JobManager,
  ) {}

  /** Returns the demo project's id, and the id of the job building it if it is not ready. */
  ensure(): { projectId: string; jobId: string | null } {
    let registered = this.projects.findDemo();
    if (!registered || !fs.existsSync(projectDbPath(registered.path))) {
      const summary = this.projects.createDemoShell();
      registered = this.projects.resolve(summary.id);
    }
    const demo = registered;
    const complete = this.projects.withReadOnly(demo, (project) => project.getMeta(DEMO_COMPLETE_KEY) === '1');
    if (complete) return { projectId: demo.id, jobId: null };
    const running = this.jobs
      .list()
      .find((job) => job.kind === 'demo.build' && job.projectId === demo.id && job.status === 'running');
    if (running) return { projectId: demo.id, jobId: running.jobId };
    const job = this.jobs.start('demo.build', {}, { id: demo.id, dir: demo.path });
    return { projectId: demo.id, jobId: job.jobId };
  }

  /** The adaptation demo (job demo.adapt) in a project: its data is built first if needed. */
  adapt(projectId: string, options: { outputDir: string | null; resamples: number }): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    const outputDir = options.outputDir === null ? null : path.resolve(options.outputDir);
    const job = this.jobs.start('demo.adapt', { ...options, outputDir }, { id: registered.id, dir: registered.path });
    return { jobId: job.jobId };
  }
}
