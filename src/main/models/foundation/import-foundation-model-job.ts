/** Job `models.import`: a published checkpoint into the model library, in a worker, with progress and cancel. */
import { z } from 'zod';
import {
  ImportFoundationModelInputSchema,
  type ImportFoundationModelResult,
} from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import type { JobContext } from '../../jobs/job-context';
import { importFoundationModel } from './import-foundation-model';

export const ImportFoundationModelJobInputSchema = ImportFoundationModelInputSchema.extend({
  dataDir: z.string().min(1),
}).strict();

export async function importFoundationModelJob(
  input: unknown,
  context: JobContext,
): Promise<ImportFoundationModelResult> {
  const parsed = ImportFoundationModelJobInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new UserError('INVALID_INPUT', `models.import: ${parsed.error.issues[0]?.message ?? 'invalid input'}`);
  }
  const { dataDir, ...rest } = parsed.data;
  return importFoundationModel(dataDir, rest, context);
}
