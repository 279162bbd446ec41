/**
 * Job `training.sweep`: several runs one after another (for instance four temperatures times
 * {peft, full}), each evaluated on the test split when it ends, ending in one comparison table
 * (the HCC paper's Table 4 with trainable parameters and peak memory per method). Every config is
 * checked before the first run starts. A failed run is recorded and the sweep goes on; a cancel
 * stops the sweep.
 */
import { z } from 'zod';
import type { SweepRow } from '../../shared/api/run-schemas';
import { BugError, CancelledError } from '../../shared/errors';
import type { JobContext } from '../jobs/job-context';
import { finishSweep, insertSweep } from '../store/repositories/run-repository';
import { openProject } from '../store/project-store';
import { expandSweep } from './sweep-configs';
import { sweepTable } from './sweep-table';
import { prepareRun, runInProject } from './train-run-job';

export const StartSweepJobInputSchema = z.object({ sweep: z.unknown() });

export interface SweepJobResult {
  sweepId: number;
  rows: SweepRow[];
}

export async function trainSweepJob(input: unknown, context: JobContext): Promise<SweepJobResult> {
  if (!context.projectDir) throw new BugError('training.sweep needs a project folder.');
  const { sweep } = StartSweepJobInputSchema.parse(input);
  const { name, configs } = expandSweep(sweep);
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    for (const config of configs) prepareRun(project, config);
    const sweepId = insertSweep(project.db, { name: name ?? `sweep of ${configs.length} runs`, config: sweep });
    let status: 'succeeded' | 'failed' | 'cancelled' = 'succeeded';
    try {
      for (const [i, config] of configs.entries()) {
        const label = `Run ${i + 1}/${configs.length} (${config.name ?? config.method})`;
        const runContext: JobContext = {
          ...context,
          progress: (done, total, message) =>
            context.progress(i + (total > 0 ? done / total : 0), configs.length, `${label}: ${message}`),
        };
        try {
          await runInProject(
            project,
            { config: { ...config, testTask: config.testTask ?? config.validationTask }, resume: null, sweepId },
            runContext,
          );
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          status = 'failed'; // recorded on the run; the sweep goes on
        }
      }
    } catch (error) {
      finishSweep(project.db, sweepId, error instanceof CancelledError ? 'cancelled' : 'failed');
      throw error;
    }
    finishSweep(project.db, sweepId, status);
    context.progress(configs.length, configs.length, 'Sweep done.');
    return { sweepId, rows: sweepTable(project.db, sweepId) };
  } finally {
    project.close();
  }
}
