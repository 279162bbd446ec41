/**
 * Job `demo.build`: fills the demo project with the synthetic cohort. Each study is
 * written (volume file, then database row) on its own, so a cancelled or killed build
 * resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BugError } from '../../shared/errors';
import { SeededRandom } from '../../shared/seeded-random';
import { writeFileAtomic } from '../fs/atomic-write';
import type { JobContext } from '../jobs/job-context';
import { insertDataset, insertStudyWithReport, studyExists } from '../store/repositories/study-repository';
import { openProject } from '../store/project-store';
import { encodeNiftiGz } from '../volumes/nifti-writer';
import { DEMO_DATASET_NAME, DEMO_DATASET_SOURCE, planDemoCohort } from './demo-cohort';
import { makeAbdomenPhantom } from './demo-phantom';
import { writeDemoReport } from './demo-reports';

export const DEMO_COMPLETE_KEY = 'demo_complete';

export async function buildDemoProjectJob(_input: unknown, context: JobContext): Promise<{ studies: number }> {
  if (!context.projectDir) throw new BugError('demo.build needs a project folder.');
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    const datasetId = insertDataset(project.db, DEMO_DATASET_NAME, DEMO_DATASET_SOURCE);
    const plans = planDemoCohort();
    let done = 0;
    for (const plan of plans) {
      context.throwIfCancelled();
      context.progress(done, plans.length, `Writing synthetic study ${plan.studyUid}`);
      if (!studyExists(project.db, datasetId, plan.studyUid)) {
        const phantom = makeAbdomenPhantom(plan.seed, plan.findings);
        const bytes = encodeNiftiGz({ ...phantom, description: `CT-VLM demo phantom ${plan.studyUid}` });
        const relative = path.posix.join('files', 'volumes', DEMO_DATASET_NAME, `${plan.studyUid}.nii.gz`);
        writeFileAtomic(path.join(project.dir, relative), bytes);
        insertStudyWithReport(project.db, {
          datasetId,
          studyUid: plan.studyUid,
          patientId: plan.patientId,
          split: plan.split,
          imagePath: relative,
          imageSha256: createHash('sha256').update(bytes).digest('hex'),
          labels: plan.labels,
          reportText: writeDemoReport(new SeededRandom(plan.seed + 7), plan.findings),
        });
      }
      done += 1;
      // Yield so a cancel message can arrive between studies.
      await new Promise((resolve) => setImmediate(resolve));
    }
    project.setMeta(DEMO_COMPLETE_KEY, '1');
    context.progress(plans.length, plans.length, 'Demo project ready.');
    return { studies: plans.length };
  } finally {
    project.close();
  }
}
