/**
 * Job `demo.build`: the demo project. It renders the demo's site B cohort (demo-cohort.ts: the
 * "second scanner" the demo adapts to), writes its manifest (train / val / test splits, labels for
 * evaluation only), imports it through the same path as a user's data, and sets the shipped demo
 * model (resources/demo-model, pretrained on the source site) as the project's base model. Volumes
 * already rendered and studies already imported are kept, so a cancelled or killed build resumes
 * where it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BugError } from '../../shared/errors';
import { writeFileAtomic } from '../fs/atomic-write';
import { importManifest } from '../datasets/import-dataset-job';
import { readManifest } from '../datasets/manifest';
import { formatManifest } from '../datasets/manifest-writer';
import type { JobContext } from '../jobs/job-context';
import { resourcesDir } from '../app-paths';
import { checkBaseModel, installBaseModel } from '../models/install-base-model';
import { findingsOfRegion, renderPhantom, writePhantomReport } from '../phantoms';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { loadPresetFile } from '../volumes/presets';
import { DEMO_COHORTS, DEMO_SITE_B_TEST, planDemoCohort } from './demo-cohort';
import { openProject, type Project } from '../store/project-store';
import { encodeNiftiGz } from '../volumes/nifti-writer';

export const DEMO_COMPLETE_KEY = 'demo_complete';
export const DEMO_DATASET_NAME = 'demo-abdomen-site-b';
export const DEMO_STUDY_COUNT = DEMO_COHORTS.second.count;
export const DEMO_SEED = DEMO_COHORTS.second.seed;
/** Studies of the adaptation pairs kept aside for validation (early stopping, best epoch). */
export const DEMO_VALIDATION_STUDIES = 20;

/** The shipped demo model, its tokenizer and its preset. */
export function demoModelFiles(): { checkpoint: string; tokenizerDir: string; presetFile: string } {
  const resources = resourcesDir();
  return {
    checkpoint: path.join(resources, 'demo-model'),
    tokenizerDir: path.join(resources, 'tokenizers', 'demo-wordpiece'),
    presetFile: path.join(resources, 'demo-model', 'preset.json'),
  };
}

/** The split of the i-th of `count` demo studies: adaptation pairs, then validation, then the held-out test. */
export function demoSplit(index: number, count: number): 'train' | 'val' | 'test' {
  if (index >= count - DEMO_SITE_B_TEST) return 'test';
  if (index >= count - DEMO_SITE_B_TEST - DEMO_VALIDATION_STUDIES) return 'val';
  return 'train';
}

export async function buildDemoProjectJob(_input: unknown, context: JobContext): Promise<{ studies: number }> {
  if (!context.projectDir) throw new BugError('demo.build needs a project folder.');
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await buildDemoProject(project, context);
  } finally {
    project.close();
  }
}

/** Fill `project` with the demo's data and base model (resumable; a finished project is left as it is). */
export async function buildDemoProject(project: Project, context: JobContext): Promise<{ studies: number }> {
  const plans = planDemoCohort('second');
  const total = plans.length * 2 + 1; // render, import, base model
  const sourceDir = path.join(project.filesDir, 'demo-source');
  const labelNames = findingsOfRegion('abdomen');
  const rows: string[][] = [];
  for (const [index, plan] of plans.entries()) {
    context.throwIfCancelled();
    context.progress(index, total, `Rendering synthetic CT ${plan.studyUid}`);
    const relative = path.posix.join('volumes', `${plan.studyUid}.nii.gz`);
    const file = path.join(sourceDir, relative);
    if (!fs.existsSync(file)) {
      writeFileAtomic(file, encodeNiftiGz({ ...renderPhantom(plan), description: `CT-VLM phantom ${plan.studyUid}` }));
    }
    const labels = plan.labels as Record<string, number>;
    rows.push([
      plan.studyUid,
      plan.patientId,
      relative,
      writePhantomReport(plan),
      demoSplit(index, plans.length),
      ...labelNames.map((name) => String(labels[name] ?? '')),
    ]);
    await new Promise((resolve) => setImmediate(resolve)); // let a cancel message in
  }
  const manifestPath = path.join(sourceDir, 'manifest.csv');
  writeFileAtomic(
    manifestPath,
    formatManifest(
      ['study_id', 'patient_id', 'image', 'report', 'split', ...labelNames.map((n) => `label:${n}`)],
      rows,
    ),
  );

  const summary = await importManifest(
    project,
    readManifest(manifestPath),
    { datasetName: DEMO_DATASET_NAME, seed: DEMO_SEED },
    {
      throwIfCancelled: () => context.throwIfCancelled(),
      progress: (done, _total, message) => context.progress(plans.length + done, total, message),
    },
  );
  if (summary.failed > 0)
    throw new BugError(`${summary.failed} demo studies failed to import; see the project's import errors.`);
  if (!getBaseModel(project)) {
    context.progress(total - 1, total, 'Setting the demo model as the base model');
    const files = demoModelFiles();
    const loaded = await checkBaseModel(files.checkpoint, files.tokenizerDir);
    installBaseModel(project, { ...files, preset: loadPresetFile(files.presetFile), ...loaded });
  }
  project.setMeta(DEMO_COMPLETE_KEY, '1');
  context.progress(total, total, 'Demo project ready.');
  return { studies: summary.imported + summary.skipped };
}
