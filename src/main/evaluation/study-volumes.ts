/**
 * Preprocessed volumes for evaluation and Grad-CAM, through the project's volume cache
 * (files/cache/<preset>/): read (NIfTI or DICOM, canonical RAS), preprocess with the model's preset.
 */
import path from 'node:path';
import { UserError } from '../../shared/errors';
import type { EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import type { Project } from '../store/project-store';
import type { Preset } from '../volumes/preset-schema';
import { preprocess, type PreprocessedVolume } from '../volumes/preprocess';
import { readVolume } from '../volumes/read-volume';
import { VolumeCache } from '../volumes/volume-cache';

export function studyImagePath(project: Project, study: Pick<EvaluationStudy, 'imagePath'>): string {
  return path.resolve(project.dir, study.imagePath);
}

export function projectVolumeCache(project: Project): VolumeCache {
  return new VolumeCache(path.join(project.filesDir, 'cache'));
}

export async function preprocessedStudy(
  project: Project,
  cache: VolumeCache,
  study: EvaluationStudy,
  preset: Preset,
): Promise<PreprocessedVolume> {
  const source = studyImagePath(project, study);
  try {
    const { volume } = await cache.getOrCreate(`${study.datasetId}/${study.studyUid}`, source, preset, async () =>
      preprocess(await readVolume(source), preset),
    );
    return volume;
  } catch (error) {
    if (error instanceof UserError) {
      throw new UserError(error.code, `Study ${study.studyUid} (${source}): ${error.message}`, { cause: error });
    }
    throw error;
  }
}
