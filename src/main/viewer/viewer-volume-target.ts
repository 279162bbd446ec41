/** Which viewer file a study's volume view needs, and from what: its source, grid kind and preset. */
import path from 'node:path';
import type { StudyVolumeKind } from '../../shared/api/viewer-files';
import { UserError } from '../../shared/errors';
import { studyImagePath } from '../evaluation/study-volumes';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { findStudy, type EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import type { Project } from '../store/project-store';
import type { ViewerVolumeTarget } from './viewer-volume-cache';

export function studyViewerTarget(
  project: Project,
  studyId: number,
  kind: StudyVolumeKind,
): { study: EvaluationStudy; target: ViewerVolumeTarget } {
  const study = findStudy(project.db, studyId);
  if (!study) throw new UserError('INVALID_INPUT', `The project has no study ${studyId}.`);
  const base = getBaseModel(project);
  if (kind === 'preprocessed' && !base) {
    throw new UserError(
      'INVALID_INPUT',
      'The preprocessed view shows what the base model sees: set a base model for the project first.',
    );
  }
  return {
    study,
    target: {
      cacheDir: path.join(project.filesDir, 'cache', 'viewer'),
      datasetId: study.datasetId,
      studyUid: study.studyUid,
      source: studyImagePath(project, study),
      kind,
      preset: base?.preset ?? null,
    },
  };
}
