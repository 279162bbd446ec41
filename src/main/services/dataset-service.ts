/** Use cases on datasets: import a manifest (as a job), list what went wrong per study. */
import type { ImportDatasetInput, ImportErrorRow } from '../../shared/api/dataset-schemas';
import { readManifest } from '../datasets/manifest';
import type { JobManager } from '../jobs/job-manager';
import { listImportErrors } from '../store/repositories/import-error-repository';
import type { ProjectService } from './project-service';

export class DatasetService {
  constructor(
    private readonly projects: ProjectService,
    private readonly jobs: JobManager,
  ) {}

  /** Checks the manifest as a whole now (a clear error before any work), then imports in a worker. */
  startImport(projectId: string, input: ImportDatasetInput): { jobId: string } {
    const project = this.projects.resolve(projectId);
    const manifest = readManifest(input.manifestPath);
    const job = this.jobs.start(
      'dataset.import',
      { ...input, manifestPath: manifest.path },
      { id: project.id, dir: project.path },
    );
    return { jobId: job.jobId };
  }

  errors(
    projectId: string,
    datasetId: number | null,
    limit: number,
    offset: number,
  ): { total: number; errors: ImportErrorRow[] } {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      listImportErrors(project.db, datasetId, limit, offset),
    );
  }
}
