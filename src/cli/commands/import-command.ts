import path from 'node:path';
import type { Command } from 'commander';
import { ImportSummarySchema, type ImportErrorRow, type ImportSummary } from '../../shared/api/dataset-schemas';
import { UserError } from '../../shared/errors';
import { resolveProjectId, type Run } from './project-target';

interface ImportOptions {
  manifest: string;
  name?: string;
  seed: string;
}

export function registerImportCommand(program: Command, run: Run): void {
  program
    .command('import')
    .description('import CT studies and their reports from a manifest CSV into a project')
    .argument('<project>', 'a project folder or id')
    .requiredOption(
      '--manifest <file.csv>',
      'header: study_id, patient_id, image, report or report_file, [split], [label:<name>...]',
    )
    .option('--name <dataset>', 'dataset name (default: the manifest file name)')
    .option('--seed <n>', 'seed of the patient-level 60/20/20 split when there is no split column', '42')
    .addHelpText(
      'after',
      '\nimage is a NIfTI file or a DICOM folder, relative to the manifest. Labels are used only for evaluation.\nStudies that fail are listed and recorded in the project; the rest are imported. Exit code 1 if any failed.',
    )
    .action((target: string, options: ImportOptions) =>
      run(async (cli) => {
        const seed = Number(options.seed);
        if (!Number.isInteger(seed) || seed < 0)
          throw new UserError('INVALID_INPUT', `--seed must be a whole number ≥ 0, not "${options.seed}".`);
        const projectId = await resolveProjectId(cli, target);
        const { jobId } = await cli.api.invoke('datasets.import', {
          projectId,
          manifestPath: path.resolve(options.manifest),
          seed,
          ...(options.name ? { datasetName: options.name } : {}),
        });
        const summary = ImportSummarySchema.parse(await cli.followJob(jobId));
        const { errors } = await cli.api.invoke('datasets.errors', {
          projectId,
          datasetId: summary.datasetId,
          limit: 1000,
        });
        cli.output.result({ ...summary, errors }, () => formatSummary(summary, errors));
        if (summary.failed > 0) process.exitCode = 1;
      }),
    );
}

function formatSummary(summary: ImportSummary, errors: ImportErrorRow[]): string {
  const lines = [
    `Dataset "${summary.datasetName}": ${summary.imported} imported, ${summary.skipped} already there, ${summary.failed} failed (of ${summary.rows} rows).`,
    `Splits: ${summary.splits.train} train, ${summary.splits.val} val, ${summary.splits.test} test.`,
  ];
  if (errors.length > 0) {
    lines.push('Failed studies (recorded in the project; fix them and run the import again to add them):');
    for (const error of errors) lines.push(`  [${error.code}] ${error.message}`);
  }
  return lines.join('\n');
}
