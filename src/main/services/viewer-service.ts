/**
 * Use cases of the CT viewer: one study's detail, its Grad-CAM maps, and the NIfTI files the
 * viewer fetches (viewer-files.ts paths), resolved to files on disk. A volume not yet in the
 * viewer cache is prepared by a `viewer.volume` job (a worker: the server never blocks on a
 * large CT), and concurrent requests for the same file share that job.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GradCamMap } from '../../shared/api/evaluation-schemas';
import type { StudyDetail } from '../../shared/api/project-schemas';
import { parseViewerFile, type StudyVolumeKind } from '../../shared/api/viewer-files';
import { UserError } from '../../shared/errors';
import type { JobManager } from '../jobs/job-manager';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { getStudy } from '../store/repositories/study-repository';
import { PROJECT_FILES_DIR } from '../store/project-schema';
import { openProject } from '../store/project-store';
import { gradCamDir, listGradCamMaps } from '../viewer/gradcam-maps';
import { freshViewerVolume } from '../viewer/viewer-volume-cache';
import type { ViewerVolumeResult } from '../viewer/viewer-volume-job';
import { studyViewerTarget } from '../viewer/viewer-volume-target';
import type { ProjectService } from './project-service';

export interface ViewerFile {
  file: string;
  size: number;
}

export class ViewerService {
  private readonly preparing = new Map<string, Promise<string>>();

  constructor(
    private readonly projects: ProjectService,
    private readonly jobs: JobManager,
  ) {}

  study(projectId: string, studyId: number): StudyDetail {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) => {
      const found = getStudy(project.db, studyId);
      if (!found) throw new UserError('INVALID_INPUT', `The project has no study ${studyId}.`);
      const source = path.resolve(project.dir, found.row.imagePath);
      const base = getBaseModel(project);
      const volumeError = fs.existsSync(source)
        ? found.imageMeta
          ? null
          : 'This study was imported before image grids were recorded; re-import the dataset to see its size here.'
        : `The CT ${source} is missing: it was moved or deleted after import.`;
      return {
        study: found.row,
        report: found.report,
        volume:
          found.imageMeta && volumeError === null
            ? {
                dims: found.imageMeta.dims,
                spacingMm: found.imageMeta.spacingMm,
                preprocessPreset: base?.preset.name ?? null,
              }
            : null,
        volumeError,
      };
    });
  }

  gradCamMaps(projectId: string, studyId: number): GradCamMap[] {
    return this.projects.withReadOnly(this.projects.resolve(projectId), (project) =>
      listGradCamMaps(project.filesDir, studyId),
    );
  }

  /** A viewer path (viewer-files.ts) → the file to send. Throws a UserError saying what is wrong. */
  async resolveFile(relativePath: string): Promise<ViewerFile> {
    const request = parseViewerFile(relativePath);
    if (!request) throw new UserError('FILE_NOT_FOUND', `Nothing is served at ${relativePath}.`);
    const registered = this.projects.resolve(request.projectId);
    let file: string;
    if (request.kind === 'gradcam') {
      file = path.join(gradCamDir(path.join(registered.path, PROJECT_FILES_DIR)), request.fileName);
    } else {
      const key = `${registered.path}\0${request.studyId}\0${request.volume}`;
      let pending = this.preparing.get(key);
      if (!pending) {
        pending = this.prepare(registered, request.studyId, request.volume).finally(() => this.preparing.delete(key));
        this.preparing.set(key, pending);
      }
      file = await pending;
    }
    try {
      return { file, size: fs.statSync(file).size };
    } catch {
      throw new UserError('FILE_NOT_FOUND', `${path.basename(file)} is not there any more.`);
    }
  }

  /** The cached file when it is still valid (checked here: cheap); else a worker job builds it. */
  private async prepare(
    registered: ReturnType<ProjectService['resolve']>,
    studyId: number,
    kind: StudyVolumeKind,
  ): Promise<string> {
    const project = openProject(registered.path, { mode: 'read' });
    let cached: string | null;
    try {
      cached = await freshViewerVolume(studyViewerTarget(project, studyId, kind).target);
    } finally {
      project.close();
    }
    if (cached) return cached;
    const job = this.jobs.start('viewer.volume', { projectDir: registered.path, studyId, kind }, null);
    const result = (await this.jobs.wait(job.jobId)) as ViewerVolumeResult;
    return result.file;
  }
}
