/** `ctvlm eval`, `ctvlm compare`, `ctvlm tasks`, `ctvlm gradcam`: zero-shot evaluation and Grad-CAM. */
import path from 'node:path';
import type { Command } from 'commander';
import { GradCamResultSchema, MetricsDocumentSchema } from '../../shared/api/evaluation-schemas';
import { UserError } from '../../shared/errors';
import { formatComparison, formatMetrics } from './metrics-format';
import { sourceField, wholeNumber } from './model-source-option';
import { resolveProjectId, type Run } from './project-target';
import { parseThresholdOption } from './threshold-option';

interface EvalOptions {
  run?: string;
  adapter?: string;
  task: string;
  out?: string;
  split: string;
  dataset?: string;
  threshold?: string;
  resamples: string;
  seed: string;
  pool: string;
  projections: boolean;
  batch: string;
  probe?: string;
}

const SPLITS = ['train', 'val', 'test', 'all'] as const;

export function registerEvalCommands(program: Command, run: Run): void {
  program
    .command('eval')
    .description('zero-shot evaluation with bootstrap CIs; writes metrics.json and predictions.csv')
    .argument('<project>', 'a project folder or id')
    .option(
      '--run <run>',
      'a training run (name or id), or "base" for the base model (default: the active adapter, else base)',
    )
    .option('--adapter <name>', 'evaluate the base model with this adapter of the project')
    .requiredOption(
      '--task <task>',
      'hcc, ct-rate-18, ct-rate-18-medct, phantom-abdomen, phantom-liver-mass, phantom-chest, or a task JSON file',
    )
    .option('--out <dir>', 'where to write the results (default: files/evaluations/ in the project)')
    .option('--split <split>', 'train, val, test or all', 'test')
    .option('--dataset <id>', "only this dataset's studies (e.g. an external sanity set)")
    .option('--threshold <rule>', "argmax, closest (ROC point nearest (0,1)), youden, or a number; default: the task's")
    .option('--resamples <n>', 'bootstrap resamples for the CIs', '1000')
    .option('--seed <n>', 'seed of the bootstrap, pools and projections', '42')
    .option('--pool <n>', 'retrieval pool size (HCC-Merlin: 64)', '64')
    .option('--no-projections', 'skip the PCA, t-SNE and UMAP projections')
    .option('--batch <n>', 'volumes per forward pass', '4')
    .option(
      '--probe <kind>',
      '"linear": a SUPERVISED baseline instead of zero-shot: logistic regression on the embeddings, fitted with the train split\'s labels',
    )
    .addHelpText(
      'after',
      '\nLabels (label:<class> columns of the manifest) are used only here, to score the zero-shot predictions.',
    )
    .action((target: string, options: EvalOptions) =>
      run(async (cli) => {
        const split = SPLITS.find((name) => name === options.split);
        if (!split)
          throw new UserError('INVALID_INPUT', `--split must be one of ${SPLITS.join(', ')}, not "${options.split}".`);
        const projectId = await resolveProjectId(cli, target);
        const { jobId } = await cli.api.invoke('evaluations.start', {
          projectId,
          ...sourceField(options),
          task: options.task.endsWith('.json') ? path.resolve(options.task) : options.task,
          split,
          datasetId: options.dataset === undefined ? null : wholeNumber('--dataset', options.dataset, 1),
          ...(options.threshold ? { threshold: parseThresholdOption(options.threshold) } : {}),
          resamples: wholeNumber('--resamples', options.resamples),
          seed: wholeNumber('--seed', options.seed),
          retrievalPoolSize: wholeNumber('--pool', options.pool, 2),
          projections: options.projections,
          batchSize: wholeNumber('--batch', options.batch, 1),
          probe: probeOf(options.probe),
          ...(options.out ? { outputDir: path.resolve(options.out) } : {}),
        });
        const result = (await cli.followJob(jobId)) as { outputDir: string; metrics: unknown };
        const metrics = MetricsDocumentSchema.parse(result.metrics);
        cli.output.result({ outputDir: result.outputDir, metrics }, () => formatMetrics(metrics, result.outputDir));
      }),
    );

  program
    .command('compare')
    .description(
      "one table of a project's evaluations (base, adapters, runs): F1, recall, precision, accuracy, AUROC, cosine, R@1",
    )
    .argument('<project>', 'a project folder or id')
    .option('--task <task>', 'only this task')
    .action((target: string, options: { task?: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const { evaluations } = await cli.api.invoke('evaluations.list', { projectId, task: options.task ?? null });
        cli.output.result({ evaluations }, () => formatComparison(evaluations));
      }),
    );

  program
    .command('tasks')
    .description('the built-in zero-shot tasks')
    .action(() =>
      run(async (cli) => {
        const { tasks } = await cli.api.invoke('evaluations.tasks', {});
        cli.output.result({ tasks }, () =>
          tasks.map((task) => `${task.name.padEnd(20)} ${task.kind.padEnd(10)} ${task.description}`).join('\n'),
        );
      }),
    );

  program
    .command('gradcam')
    .description('3D Grad-CAM of one study for a text, written as NIfTI on the CT grid')
    .argument('<project>', 'a project folder or id')
    .option('--run <run>', 'a training run (name or id), or "base" (default: the active adapter, else base)')
    .option('--adapter <name>', 'the base model with this adapter')
    .requiredOption('--study <id>', "the study's id in the manifest (study_id) or in the project")
    .requiredOption('--text <text>', 'a prompt, or "report" for the study\'s own report')
    .option('--versus <text>', 'explain cos(image, text) − cos(image, versus), e.g. a prompt against its negation')
    .option('-o, --output <file>', 'the NIfTI to write (.nii.gz or .nii); default: files/gradcam/ in the project')
    .action(
      (
        target: string,
        options: { run?: string; adapter?: string; study: string; text: string; versus?: string; output?: string },
      ) =>
        run(async (cli) => {
          const projectId = await resolveProjectId(cli, target);
          const { jobId } = await cli.api.invoke('gradcam.start', {
            projectId,
            ...sourceField(options),
            study: options.study,
            text: options.text,
            ...(options.versus ? { versus: options.versus } : {}),
            ...(options.output ? { output: path.resolve(options.output) } : {}),
          });
          const result = GradCamResultSchema.parse(await cli.followJob(jobId));
          cli.output.result(result, () =>
            [
              `Wrote ${result.file} (${result.dims.join('x')} voxels, the CT's grid; from a ${result.featureDims.join('x')} feature map).`,
              `${result.versus === null ? 'cos(image, text)' : 'cos(image, text) − cos(image, versus)'} = ${result.similarity.toFixed(4)}; peak at voxel ${result.peak.voxel.join(', ')} (${result.peak.worldMm.map((v) => v.toFixed(1)).join(', ')} mm RAS); slices of maximum activation i=${result.peak.slices[0]}, j=${result.peak.slices[1]}, k=${result.peak.slices[2]}.`,
            ].join('\n'),
          );
        }),
    );
}

function probeOf(value: string | undefined): 'none' | 'linear' {
  if (value === undefined || value === 'none') return 'none';
  if (value === 'linear') return 'linear';
  throw new UserError('INVALID_INPUT', `--probe must be "linear" (or "none"), not "${value}".`);
}
