/**
 * Job `viewer.volume`: prepare one study's CT for the viewer (read it, preprocess it for the
 * "preprocessed" view, gzip it) in a worker, so the server that answers the viewer never blocks
 * on a large CT. The file lands in the project's viewer cache (viewer-volume-cache.ts); the
 * server then streams it.
 */
import { z } from 'zod';
import { STUDY_VOLUME_KINDS } from '../../shared/api/viewer-files';
import { BugError } from '../../shared/errors';
import { preprocessedStudy, projectVolumeCache } from '../evaluation/study-volumes';
import type { JobContext } from '../jobs/job-context';
import { openProject } from '../store/project-store';
import { readStoredVolume } from '../volumes/read-volume';
import { statSource } from '../volumes/volume-cache';
import { freshViewerVolume, originalNifti, preprocessedNifti, writeViewerVolume } from './viewer-volume-cache';
import { studyViewerTarget } from './viewer-volume-target';

const InputSchema = z.object({
  projectDir: z.string().min(1),
  studyId: z.number().int().positive(),
  kind: z.enum(STUDY_VOLUME_KINDS),
});

export interface ViewerVolumeResult {
  file: string;
  /** False when a valid cached file was found after all. */
  built: boolean;
}

export async function viewerVolumeJob(input: unknown, context: JobContext): Promise<ViewerVolumeResult> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success) throw new BugError(`viewer.volume got ${JSON.stringify(input)}: ${parsed.error.message}`);
  const { projectDir, studyId, kind } = parsed.data;
  const project = openProject(projectDir, { mode: 'read' });
  try {
    const { study, target } = studyViewerTarget(project, studyId, kind);
    const cached = await freshViewerVolume(target);
    if (cached) return { file: cached, built: false };

    const total = 3;
    const sourceStats = await statSource(target.source);
    context.progress(0, total, `Reading ${study.studyUid}`);
    let volume;
    if (kind === 'original') {
      volume = originalNifti(await readStoredVolume(target.source), study.studyUid);
    } else {
      const preset = target.preset;
      if (!preset) throw new BugError('A preprocessed view needs the base model preset.');
      context.progress(1, total, `Preprocessing ${study.studyUid} with ${preset.name}`);
      volume = preprocessedNifti(await preprocessedStudy(project, projectVolumeCache(project), study, preset), preset);
    }
    context.throwIfCancelled();
    context.progress(2, total, 'Compressing for the viewer');
    const file = await writeViewerVolume(target, sourceStats, volume);
    context.progress(total, total, 'Ready for the viewer.');
    return { file, built: true };
  } finally {
    project.close();
  }
}
