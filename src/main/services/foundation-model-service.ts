/**
 * The model library (models/foundation/model-library.ts): published Merlin and CT-CLIP
 * checkpoints imported once into `<dataDir>/models/`, shared by every project. Importing is a
 * worker job (a 1-2 GB checkpoint takes a while); listing reads the folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FoundationModelInfo, ImportFoundationModelInput } from '../../shared/api/foundation-model-schemas';
import { UserError } from '../../shared/errors';
import type { JobManager } from '../jobs/job-manager';
import { describeLibraryModel, listLibraryModels } from '../models/foundation/model-library';

export class FoundationModelService {
  constructor(
    private readonly dataDir: string,
    private readonly jobs: JobManager,
  ) {}

  /** Start the import job; fails at once (before any job) when a named file does not exist. */
  startImport(input: ImportFoundationModelInput): { jobId: string } {
    const file = path.resolve(input.file);
    const config = input.config === undefined ? undefined : path.resolve(input.config);
    const tokenizer = input.tokenizer === undefined ? undefined : path.resolve(input.tokenizer);
    for (const [what, target] of [
      ['checkpoint', file],
      ['config', config],
      ['tokenizer folder', tokenizer],
    ] as const) {
      if (target !== undefined && !fs.existsSync(target)) {
        throw new UserError('FILE_NOT_FOUND', `The ${what} ${target} does not exist.`);
      }
    }
    const job = this.jobs.start('models.import', { ...input, file, config, tokenizer, dataDir: this.dataDir }, null);
    return { jobId: job.jobId };
  }

  list(): FoundationModelInfo[] {
    return listLibraryModels(this.dataDir).map(describeLibraryModel);
  }
}
