/**
 * A small real dataset for evaluation tests: abdominal phantoms written as NIfTI with their reports
 * and label:<finding> columns (plus label:never, all 0: a class with no positive), all in one split.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeNiftiGz } from '../../src/main/volumes/nifti-writer';
import {
  ABDOMEN_FINDINGS,
  planCohort,
  renderPhantomWithTissues,
  writePhantomReport,
  type PhantomStudyPlan,
} from '../../src/main/phantoms';
import type { Volume } from '../../src/main/volumes/volume';
import { writeManifest } from './manifest-builder';
import { storeReoriented } from './volume-reorient';

export interface PhantomDataset {
  manifest: string;
  plans: PhantomStudyPlan[];
}

export interface PhantomDatasetOptions {
  count: number;
  seed: number;
  split?: 'train' | 'val' | 'test';
  /** Store the volumes with x and y flipped (LPS order, as DICOM-derived files often are). */
  lps?: boolean;
}

export const LPS_AXES = [0, 1, 2] as const;
export const LPS_FLIPS = [true, true, false] as const;

export function writePhantomDataset(dir: string, options: PhantomDatasetOptions): PhantomDataset {
  const plans = planCohort({ region: 'abdomen', count: options.count, seed: options.seed, scanner: 'source' });
  fs.mkdirSync(path.join(dir, 'volumes'), { recursive: true });
  const rows = plans.map((plan) => {
    const { volume } = renderPhantomWithTissues(plan);
    const stored: Volume = options.lps ? storeReoriented(volume, LPS_AXES, LPS_FLIPS) : volume;
    const relative = `volumes/${plan.studyUid}.nii.gz`;
    fs.writeFileSync(
      path.join(dir, relative),
      encodeNiftiGz({ data: stored.data, dims: stored.dims, affine: stored.affine }),
    );
    const labels = plan.labels as Record<string, number>;
    return [
      plan.studyUid,
      plan.patientId,
      relative,
      writePhantomReport(plan),
      options.split ?? 'test',
      ...ABDOMEN_FINDINGS.map((name) => String(labels[name] ?? '')),
      '0',
    ];
  });
  const manifest = writeManifest(
    dir,
    [
      'study_id',
      'patient_id',
      'image',
      'report',
      'split',
      ...ABDOMEN_FINDINGS.map((name) => `label:${name}`),
      'label:never',
    ],
    rows,
  );
  return { manifest, plans };
}
