/**
 * Job `demo.build`: the demo project. It renders a synthetic abdominal cohort from the "second
 * scanner" (the institution the demo adapts to), writes its manifest, and imports it through
 * the same path as a user's data. Volumes already rendered and studies already imported are
 * kept, so a cancelled or killed build resumes where it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BugError } from '../../shared/errors';
import { writeFileAtomic } from '../fs/atomic-write';
import { importManifest } from '../datasets/import-dataset-job';
import { readManifest } from '../datasets/manifest';
import { formatManifest } from '../datasets/manifest-writer';
import type { JobContext } from '../jobs/job-context';
import { findingsOfRegion, planCohort, renderPhantom, writePhantomReport } from '../phantoms';
import { openProject } from '../store/project-store';
import { encodeNiftiGz } from '../volumes/nifti-writer';

export const DEMO_COMPLETE_KEY = 'demo_complete';
export const DEMO_DATASET_NAME = 'demo-abdomen-site-b';
export const DEMO_STUDY_COUNT = 40;
export const DEMO_SEED = 42;

export async function buildDemoProjectJob(_input: unknown, context: JobContext): Promise<{ studies: number }> {
  if (!context.projectDir) throw new BugError('demo.build needs a project folder.');
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    const plans = planCohort({ region: 'abdomen', count: DEMO_STUDY_COUNT, seed: DEMO_SEED, scanner: 'second' });
    const total = plans.length * 2; // render, then import
    const sourceDir = path.join(project.filesDir, 'demo-source');
    const labelNames = findingsOfRegion('abdomen');
    const rows: string[][] = [];
    for (const [index, plan] of plans.entries()) {
      context.throwIfCancelled();
      context.progress(index, total, `Rendering synthetic CT ${plan.studyUid}`);
      const relative = path.posix.join('volumes', `${plan.studyUid}.nii.gz`);
      const file = path.join(sourceDir, relative);
      if (!fs.existsSync(file)) {
        writeFileAtomic(
          file,
          encodeNiftiGz({ ...renderPhantom(plan), description: `CT-VLM phantom ${plan.studyUid}` }),
        );
      }
      const labels = plan.labels as Record<string, number>;
      rows.push([
        plan.studyUid,
        plan.patientId,
        relative,
        writePhantomReport(plan),
        ...labelNames.map((name) => String(labels[name] ?? '')),
      ]);
      await new Promise((resolve) => setImmediate(resolve)); // let a cancel message in
    }
    const manifestPath = path.join(sourceDir, 'manifest.csv');
    writeFileAtomic(
      manifestPath,
      formatManifest(['study_id', 'patient_id', 'image', 'report', ...labelNames.map((n) => `label:${n}`)], rows),
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
    project.setMeta(DEMO_COMPLETE_KEY, '1');
    context.progress(total, total, 'Demo project ready.');
    return { studies: summary.imported + summary.skipped };
  } finally {
    project.close();
  }
}
