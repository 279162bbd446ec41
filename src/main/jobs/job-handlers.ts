/** Job kind -> the code that runs it inside a worker process. */
import type { JobKind } from '../../shared/api/job-schemas';
import { importDatasetJob } from '../datasets/import-dataset-job';
import { demoAdaptJob } from '../demo/demo-adapt-job';
import { buildDemoProjectJob } from '../demo/demo-build-job';
import { doctorJob } from '../engine/backends/doctor-job';
import { evaluateJob } from '../evaluation/evaluate-job';
import { gradCamJob } from '../evaluation/gradcam-job';
import { extractJob } from '../extraction/extract-job';
import { ollamaPullJob } from '../extraction/ollama-pull-job';
import { importFoundationModelJob } from '../models/foundation/import-foundation-model-job';
import { trainRunJob } from '../training/train-run-job';
import { trainSweepJob } from '../training/train-sweep-job';
import { viewerVolumeJob } from '../viewer/viewer-volume-job';
import type { JobContext } from './job-context';

export type JobHandler = (input: unknown, context: JobContext) => Promise<unknown>;

export const jobHandlers: Record<JobKind, JobHandler> = {
  'demo.build': buildDemoProjectJob,
  'demo.adapt': demoAdaptJob,
  'dataset.import': importDatasetJob,
  'evaluation.run': evaluateJob,
  'extraction.run': extractJob,
  'gradcam.run': gradCamJob,
  'models.import': importFoundationModelJob,
  'ollama.pull': ollamaPullJob,
  'system.doctor': doctorJob,
  'training.run': trainRunJob,
  'training.sweep': trainSweepJob,
  'viewer.volume': viewerVolumeJob,
};
