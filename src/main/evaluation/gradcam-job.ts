/**
 * Job `gradcam.run`: a 3D Grad-CAM map of one study for one text (a prompt, or "report" for the
 * study's own report), or for the difference between two texts (a zero-shot pair's positive and
 * negative prompts: what its prediction is made of), upsampled from the image encoder's last block back onto the ORIGINAL CT grid
 * (the file's voxel order and affine, not the preprocessed one) and written as float32 NIfTI, so
 * any viewer overlays it on the CT. The map is divided by its maximum (peak = 1). A record of the
 * result is written beside the map (NAME.json), which the workbench's viewer lists. Read-only on
 * the project apart from the volume cache and files/gradcam/.
 */
import path from 'node:path';
import { StartGradCamInputSchema, type GradCamResult } from '../../shared/api/evaluation-schemas';
import { BugError, UserError } from '../../shared/errors';
import { selectBackend } from '../engine/backends/select-backend';
import { encodeTexts } from '../engine/eval/encode-batches';
import { gradCam } from '../engine/eval/gradcam';
import { writeFileAtomic } from '../fs/atomic-write';
import type { JobContext } from '../jobs/job-context';
import { findStudy } from '../store/repositories/evaluation-study-repository';
import { openProject } from '../store/project-store';
import { featureMapToGrid, peakOf } from '../volumes/feature-map-to-grid';
import { encodeNifti, encodeNiftiGz } from '../volumes/nifti-writer';
import { toCanonicalRas } from '../volumes/orientation';
import { preprocess } from '../volumes/preprocess';
import { readStoredVolume } from '../volumes/read-volume';
import { loadEvaluatedModel, resolveModelSource } from './model-source';
import { recordGradCamMap } from '../viewer/gradcam-maps';
import { studyImagePath } from './study-volumes';

export async function gradCamJob(input: unknown, context: JobContext): Promise<GradCamResult> {
  const { projectDir, ...rest } = input as { projectDir?: unknown };
  if (typeof projectDir !== 'string') throw new BugError('gradcam.run needs a project folder.');
  const request = StartGradCamInputSchema.parse(rest);
  const project = openProject(projectDir, { mode: 'read' });
  try {
    const source = resolveModelSource(project, request.source);
    const study = findStudy(project.db, request.study);
    if (!study) throw new UserError('INVALID_INPUT', `The project has no study ${String(request.study)}.`);
    const text = request.text === 'report' ? (study.report ?? '') : request.text;
    if (text.trim() === '') throw new UserError('INVALID_INPUT', `Study ${study.studyUid} has no report to explain.`);
    const output = path.resolve(
      request.output ??
        path.join(
          project.filesDir,
          'gradcam',
          `${study.studyUid}-${source.label}-${Date.now()}.nii.gz`.replace(/[^A-Za-z0-9._-]/g, '_'),
        ),
    );
    if (!/\.nii(\.gz)?$/i.test(output)) {
      throw new UserError(
        'INVALID_INPUT',
        `The output ${output} must end in .nii.gz or .nii: the map is written as NIfTI.`,
      );
    }

    const total = 5;
    const backend = await selectBackend();
    context.progress(0, total, `Loading ${source.label} (${backend.chosen})`);
    const { model, tokenizer } = await loadEvaluatedModel(source);
    try {
      context.progress(1, total, `Reading ${study.studyUid}`);
      const stored = await readStoredVolume(studyImagePath(project, study));
      const input = preprocess(toCanonicalRas(stored), source.preset);
      context.throwIfCancelled();
      context.progress(2, total, 'Computing the gradient of the similarity');
      const texts = request.versus === undefined ? [text] : [text, request.versus];
      const embeddings = await encodeTexts(model, tokenizer, texts);
      const dim = model.embedDim;
      // cos(image, a) − cos(image, b) = image · (a − b): one target vector either way.
      const target =
        texts.length === 1
          ? embeddings
          : embeddings.subarray(0, dim).map((value, d) => value - (embeddings[dim + d] ?? 0));
      const map = await gradCam(model, input.data, input.dims, target);
      context.throwIfCancelled();
      context.progress(3, total, 'Resampling onto the CT grid');
      const heat = featureMapToGrid({ values: map.values, dims: map.dims }, input, stored);
      const peak = peakOf(heat, stored.dims);
      if (peak.value > 0) for (let i = 0; i < heat.length; i += 1) heat[i] = (heat[i] ?? 0) / peak.value;
      context.progress(4, total, `Writing ${output}`);
      const nifti = { data: heat, dims: stored.dims, affine: stored.affine, description: 'CT-VLM Grad-CAM' };
      writeFileAtomic(output, /\.gz$/i.test(output) ? encodeNiftiGz(nifti) : encodeNifti(nifti));
      const [i, j, k] = peak.voxel;
      const world = [0, 1, 2].map(
        (row) =>
          (stored.affine[row * 4] ?? 0) * i +
          (stored.affine[row * 4 + 1] ?? 0) * j +
          (stored.affine[row * 4 + 2] ?? 0) * k +
          (stored.affine[row * 4 + 3] ?? 0),
      ) as [number, number, number];
      const result: GradCamResult = {
        file: output,
        studyId: study.id,
        studyUid: study.studyUid,
        text,
        versus: request.versus ?? null,
        similarity: map.similarity,
        dims: [...stored.dims],
        affine: [...stored.affine],
        featureDims: map.dims,
        rawMax: map.max,
        peak: { voxel: peak.voxel, worldMm: world, slices: peak.slices },
      };
      recordGradCamMap(result, source.label);
      context.progress(total, total, 'Grad-CAM written.');
      return result;
    } finally {
      model.dispose();
    }
  } finally {
    project.close();
  }
}
