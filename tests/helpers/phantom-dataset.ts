/**
 * A small real dataset for evaluation tests: abdominal phantoms written as NIfTI with their reports
 * and label:<finding> columns (plus label:never, all 0: a class with no positive), all in one split.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeNiftiGz } from '../../src/main/volumes/nifti-writer';
import {
  ABDOMEN_FINDINGS,
  conspicuous,
  TISSUE,
  withLiverMass,
  type AbdomenStudyPlan,
  planCohort,
  renderPhantomWithTissues,
  writePhantomReport,
  type PhantomStudyPlan,
} from '../../src/main/phantoms';
import type { Volume } from '../../src/main/volumes/volume';
import { HELD_OUT_MASSES, lesionFixtureSources } from './lesion-fixture-sources';
import { writeManifest } from './manifest-builder';
import { storeReoriented } from './volume-reorient';

export interface PhantomDataset {
  manifest: string;
  plans: PhantomStudyPlan[];
}

export interface PhantomDatasetOptions {
  count: number;
  seed: number;
  /** Every study's split; 'assign' leaves the column out, so the import splits patients 60/20/20. */
  split?: 'train' | 'val' | 'test' | 'assign';
  /** Store the volumes with x and y flipped (LPS order, as DICOM-derived files often are). */
  lps?: boolean;
  /**
   * Instead of a cohort: the lesion-model fixture's anatomies, half with one of the conspicuous liver
   * masses it never saw, half without (count ≤ 16), so that model scores far above chance.
   */
  heldOutLesions?: boolean;
}

export const LPS_AXES = [0, 1, 2] as const;
export const LPS_FLIPS = [true, true, false] as const;

function heldOutLesionPlans(count: number, seed: number): AbdomenStudyPlan[] {
  const { bases, masses } = lesionFixtureSources();
  const heldOut = masses.slice(-HELD_OUT_MASSES);
  const visible = bases.flatMap((base) =>
    heldOut.flatMap((mass) => {
      const plan = withLiverMass(base, conspicuous(mass), 0);
      return renderPhantomWithTissues(plan).tissues.includes(TISSUE.liverMass) ? [{ base, mass }] : [];
    }),
  );
  return Array.from({ length: count }, (_, i) => {
    const pair = visible[Math.floor(i / 2) % visible.length]!;
    const plan = withLiverMass(pair.base, i % 2 === 0 ? conspicuous(pair.mass) : null, seed * 1000 + i);
    return { ...plan, studyUid: `lesion-${seed}-${i}`, patientId: `lesion-patient-${seed}-${i}` };
  });
}

export function writePhantomDataset(dir: string, options: PhantomDatasetOptions): PhantomDataset {
  const plans = options.heldOutLesions
    ? heldOutLesionPlans(options.count, options.seed)
    : planCohort({ region: 'abdomen', count: options.count, seed: options.seed, scanner: 'source' });
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
      ...(options.split === 'assign' ? [] : [options.split ?? 'test']),
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
      ...(options.split === 'assign' ? [] : ['split']),
      ...ABDOMEN_FINDINGS.map((name) => `label:${name}`),
      'label:never',
    ],
    rows,
  );
  return { manifest, plans };
}
