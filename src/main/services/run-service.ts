/**
 * Use cases of training: start, resume and inspect runs, start sweeps and read their tables.
 * Requests are checked in full (config, base model, studies, texts, task) before a job starts, so a
 * bad request fails at once with a message and nothing is recorded.
 */
import type { RunDetail, RunSummary, SweepRow } from '../../shared/api/run-schemas';
import { UserError } from '../../shared/errors';
import type { JobManager } from '../jobs/job-manager';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { listRuns, requireRun, runDetail } from '../store/repositories/run-repository';
import { expandSweep } from '../training/sweep-configs';
import { sweepTable } from '../training/sweep-table';
import { parseRunConfig, prepareRun } from '../training/train-run-job';
import type { Project } from '../store/project-store';
import type { ProjectService } from './project-service';

export class RunService {
  constructor(
    private readonly projects: ProjectService,
    private readonly jobs: JobManager,
  ) {}

  start(projectId: string, config: unknown): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    const parsed = parseRunConfig(config);
    this.projects.withReadOnly(registered, (project) => {
      requireBaseModel(project);
      prepareRun(project, parsed);
    });
    const job = this.jobs.start(
      'training.run',
      { config: parsed, resume: null },
      { id: registered.id, dir: registered.path },
    );
    return { jobId: job.jobId };
  }

  resume(projectId: string, run: string): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    const found = this.projects.withReadOnly(registered, (project) => requireRun(project.db, run));
    if (found.status === 'succeeded') {
      throw new UserError('INVALID_INPUT', `Run "${found.name}" already finished; there is nothing to resume.`);
    }
    const job = this.jobs.start(
      'training.run',
      { config: null, resume: String(found.id) },
      { id: registered.id, dir: registered.path },
    );
    return { jobId: job.jobId };
  }

  list(projectId: string): RunSummary[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => listRuns(project.db));
  }

  get(projectId: string, run: string): RunDetail {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => runDetail(project.db, run));
  }

  startSweep(projectId: string, sweep: unknown): { jobId: string } {
    const registered = this.projects.resolve(projectId);
    const { configs } = expandSweep(sweep);
    this.projects.withReadOnly(registered, (project) => {
      requireBaseModel(project);
      for (const config of configs) prepareRun(project, config);
    });
    const job = this.jobs.start('training.sweep', { sweep }, { id: registered.id, dir: registered.path });
    return { jobId: job.jobId };
  }

  sweepTable(projectId: string, sweepId: number): SweepRow[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => sweepTable(project.db, sweepId));
  }
}

function requireBaseModel(project: Project): void {
  if (!getBaseModel(project)) {
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `The project "${project.meta.name}" has no base model to train: set one with \`ctvlm model set-base\`.`,
    );
  }
}
