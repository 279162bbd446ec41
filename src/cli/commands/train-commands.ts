/** `ctvlm train`, `ctvlm sweep`, `ctvlm runs`: annotation-free adaptation runs and their tables. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { EvaluationRow } from '../../shared/api/evaluation-schemas';
import type { EpochRecord, RunDetail, RunSummary, SweepRow } from '../../shared/api/run-schemas';
import { describeEpochPrecision } from '../../shared/epoch-precision';
import { UserError } from '../../shared/errors';
import { formatInterval, table } from './metrics-format';
import { wholeNumber } from './model-source-option';
import { resolveProjectId, type Run } from './project-target';

interface TrainOptions {
  config?: string;
  resume?: string;
  name?: string;
  method?: string;
  epochs?: string;
  batch?: string;
  accumulate?: string;
  gradientCheckpointing?: boolean;
  mixedPrecision?: boolean;
  lr?: string;
  weightDecay?: string;
  temperature?: string;
  fixedTemperature?: boolean;
  text?: string;
  task?: string;
  testTask?: string;
  patience?: string;
  earlyStopping: boolean;
  augment?: boolean;
  seed?: string;
  dataset?: string;
}

export function registerTrainCommands(program: Command, run: Run): void {
  program
    .command('train')
    .description("adapt the base model to the project's CT-report pairs (contrastive, no labels); resumable")
    .argument('<project>', 'a project folder or id')
    .option('--config <file>', 'a run config JSON file (flags below override it)')
    .option('--resume <run>', 'resume this run (name or id) from its last checkpoint, with its own config')
    .option('--name <name>', "the run's name")
    .option('--method <method>', 'peft, full, text-lora, image-conv-lora, projections or attention-lora (default peft)')
    .option('--epochs <n>', 'epochs (default 10)')
    .option('--batch <n>', 'pairs per micro-batch, the InfoNCE negatives (default 8)')
    .option('--accumulate <n>', 'micro-batches per optimizer step (default 1)')
    .option(
      '--gradient-checkpointing',
      "recompute each block's forward in the backward: less memory, ~1 more forward of compute, same gradients",
    )
    .option(
      '--mixed-precision',
      'f16 arithmetic in the conv kernels where the GPU has WebGPU shader-f16 (float32 elsewhere), with dynamic loss scaling',
    )
    .option('--lr <rate>', 'peak learning rate (default 1e-4)')
    .option('--weight-decay <w>', 'AdamW weight decay, never on norms, biases or the temperature (default 0.01)')
    .option('--temperature <tau>', 'initial temperature τ: logits = cos / τ (HCC paper: 0.07, 0.5, 1, 10; default 1)')
    .option('--fixed-temperature', 'do not train the temperature')
    .option('--text <mode>', 'full, findings-impression, anatomy or alternate (default full)')
    .option('--task <task>', 'validation zero-shot task: its F1 picks the best epoch and drives early stopping')
    .option('--test-task <task>', 'evaluate the best checkpoint on the test split with this task when the run ends')
    .option('--patience <n>', 'early-stopping patience in epochs (default 5)')
    .option('--no-early-stopping', 'run every epoch')
    .option('--augment', "augment volumes (MedCT-VLM's 3D augmentation)")
    .option('--seed <n>', 'seed of the batch order, dropout and augmentation (default 42)')
    .option('--dataset <id>', "only this dataset's studies")
    .addHelpText(
      'after',
      '\nTraining never reads labels; only the validation and test metrics do. Ctrl+C cancels; `--resume RUN` continues from the last finished epoch.',
    )
    .action((target: string, options: TrainOptions) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const { jobId } = options.resume
          ? await cli.api.invoke('runs.resume', { projectId, run: options.resume })
          : await cli.api.invoke('runs.start', { projectId, config: configFrom(options) });
        const result = (await cli.followJob(jobId)) as { runId: number };
        const detail = await cli.api.invoke('runs.get', { projectId, run: String(result.runId) });
        const evaluation =
          detail.testEvaluationId === null
            ? null
            : ((await cli.api.invoke('evaluations.list', { projectId, task: null })).evaluations.find(
                (row) => row.id === detail.testEvaluationId,
              ) ?? null);
        cli.output.result({ run: detail, testEvaluation: evaluation }, () => formatRun(detail, evaluation));
      }),
    );

  program
    .command('sweep')
    .description('several runs one after another (e.g. temperatures × methods), ending in one comparison table')
    .argument('<project>', 'a project folder or id')
    .requiredOption(
      '--config <file>',
      'a sweep JSON file: {"base": {...}, "runs": [{...}, ...]} or {"base": {...}, "grid": {"method": [...], "temperature.init": [...]}}',
    )
    .action((target: string, options: { config: string }) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        const sweep = readJsonFile(options.config, 'sweep config');
        const { jobId } = await cli.api.invoke('sweeps.start', { projectId, sweep });
        const result = (await cli.followJob(jobId)) as { sweepId: number };
        const { rows } = await cli.api.invoke('sweeps.table', { projectId, sweepId: result.sweepId });
        cli.output.result({ sweepId: result.sweepId, rows }, () => formatSweep(rows));
      }),
    );

  program
    .command('runs')
    .description("a project's training runs, or one run's epochs")
    .argument('<project>', 'a project folder or id')
    .argument('[run]', 'a run name or id: show its epochs and checkpoints')
    .action((target: string, runName: string | undefined) =>
      run(async (cli) => {
        const projectId = await resolveProjectId(cli, target);
        if (runName) {
          const detail = await cli.api.invoke('runs.get', { projectId, run: runName });
          cli.output.result(detail, () => formatRun(detail, null));
          return;
        }
        const { runs } = await cli.api.invoke('runs.list', { projectId });
        cli.output.result({ runs }, () => formatRuns(runs));
      }),
    );
}

function readJsonFile(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    throw new UserError('INVALID_INPUT', `Cannot read the ${what} ${file}: ${(error as Error).message}.`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new UserError('RUN_CONFIG_INVALID', `The ${what} ${file} is not a JSON object: ${(error as Error).message}.`);
  }
}

function number(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new UserError('INVALID_INPUT', `${name} must be a number, not "${value}".`);
  return parsed;
}

/** The config file (if any) with the flags laid over it. */
export function configFrom(options: TrainOptions): Record<string, unknown> {
  const config: Record<string, unknown> = options.config ? readJsonFile(options.config, 'run config') : {};
  const nested = (key: string): Record<string, unknown> => {
    const value = config[key];
    const object = typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
    config[key] = object;
    return object;
  };
  if (options.name) config.name = options.name;
  if (options.method) config.method = options.method;
  if (options.epochs) config.epochs = wholeNumber('--epochs', options.epochs, 1);
  if (options.batch) config.batchSize = wholeNumber('--batch', options.batch, 2);
  if (options.accumulate) config.gradientAccumulation = wholeNumber('--accumulate', options.accumulate, 1);
  if (options.gradientCheckpointing) config.gradientCheckpointing = true;
  if (options.mixedPrecision) config.mixedPrecision = true;
  if (options.lr) nested('optimizer').learningRate = number('--lr', options.lr);
  if (options.weightDecay) nested('optimizer').weightDecay = number('--weight-decay', options.weightDecay);
  if (options.temperature) nested('temperature').init = number('--temperature', options.temperature);
  if (options.fixedTemperature) nested('temperature').learnable = false;
  if (options.text) config.text = options.text;
  if (options.task) config.validationTask = options.task.endsWith('.json') ? path.resolve(options.task) : options.task;
  if (options.testTask)
    config.testTask = options.testTask.endsWith('.json') ? path.resolve(options.testTask) : options.testTask;
  if (!options.earlyStopping) config.earlyStopping = null;
  else if (options.patience) nested('earlyStopping').patience = wholeNumber('--patience', options.patience, 1);
  if (options.augment) config.augment = true;
  if (options.seed) config.seed = wholeNumber('--seed', options.seed);
  if (options.dataset) config.datasetId = wholeNumber('--dataset', options.dataset, 1);
  return config;
}

const fixed = (value: number | null, digits = 3): string => (value === null ? '—' : value.toFixed(digits));

export function formatEpochs(epochs: readonly EpochRecord[]): string[] {
  return table(
    [
      'epoch',
      'train loss',
      'val loss',
      'val F1',
      'val AUROC',
      'τ',
      'lr',
      'vol/s',
      'peak MiB',
      'GPU MiB',
      'precision',
      's',
    ],
    epochs.map((epoch) => [
      `${epoch.epoch}${epoch.best ? '*' : ''}`,
      fixed(epoch.trainLoss, 4),
      fixed(epoch.valLoss, 4),
      fixed(epoch.valF1),
      fixed(epoch.valAuroc),
      fixed(epoch.temperature, 4),
      epoch.learningRate.toExponential(2),
      fixed(epoch.volumesPerSecond, 2),
      (epoch.peakTensorBytes / 2 ** 20).toFixed(1),
      epoch.peakGpuBytes === null ? '—' : `${(epoch.peakGpuBytes / 2 ** 20).toFixed(1)} (${epoch.backend ?? '?'})`,
      describeEpochPrecision(epoch),
      epoch.seconds.toFixed(1),
    ]),
  );
}

function formatRun(run: RunDetail, evaluation: EvaluationRow | null): string {
  const lines = [
    `Run ${run.id} "${run.name}" (${run.method}): ${run.status}${run.error ? ` — ${run.error.message}` : ''}`,
    `  ${run.trainableParameters?.toLocaleString('en-US') ?? '?'} trainable of ${run.totalParameters?.toLocaleString('en-US') ?? '?'} parameters; τ₀ ${run.config.temperature.init ?? 'from the checkpoint'}; lr ${run.config.optimizer.learningRate}; batch ${run.config.batchSize} × ${run.config.gradientAccumulation}`,
    '',
    ...formatEpochs(run.epochs),
    '',
    ...run.checkpoints.map(
      (checkpoint) =>
        `  ${checkpoint.tag.padEnd(4)} epoch ${checkpoint.epoch}: ${checkpoint.path} (${(checkpoint.sizeBytes / 1024).toFixed(1)} KiB)`,
    ),
  ];
  if (run.status === 'cancelled' || run.status === 'failed')
    lines.push('', `Resume with: ctvlm train PROJECT --resume ${run.name}`);
  if (evaluation) {
    const h = evaluation.headline;
    lines.push(
      '',
      `Test (${evaluation.task}, ${evaluation.studies} studies): AUROC ${formatInterval(h.auroc)}, F1 ${formatInterval(h.f1)}, accuracy ${formatInterval(h.accuracy)}`,
    );
  }
  return lines.join('\n');
}

function formatRuns(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'No training runs yet: start one with `ctvlm train PROJECT`.';
  return table(
    ['id', 'name', 'method', 'status', 'epochs', 'best', 'val F1', 'trainable'],
    runs.map((run) => [
      String(run.id),
      run.name,
      run.method,
      run.status,
      String(run.epochsDone),
      run.bestEpoch === null ? '—' : String(run.bestEpoch),
      fixed(run.bestValF1),
      run.trainableParameters?.toLocaleString('en-US') ?? '?',
    ]),
  ).join('\n');
}

export function formatSweep(rows: readonly SweepRow[]): string {
  return table(
    [
      'run',
      'method',
      'τ₀',
      'status',
      'F1',
      'recall',
      'precision',
      'accuracy',
      'AUROC',
      'mean cos',
      'trainable',
      'peak MiB',
    ],
    rows.map((row) => {
      const h = row.evaluation?.headline;
      const cell = (interval: Parameters<typeof formatInterval>[0] | undefined): string =>
        interval ? formatInterval(interval) : '—';
      return [
        row.name,
        row.method,
        row.temperatureInit === null ? '—' : String(row.temperatureInit),
        row.status,
        cell(h?.f1),
        cell(h?.recall),
        cell(h?.precision),
        cell(h?.accuracy),
        cell(h?.auroc),
        cell(h?.meanMatchedCosine),
        row.trainableParameters?.toLocaleString('en-US') ?? '?',
        row.peakTensorBytes === null ? '—' : (row.peakTensorBytes / 2 ** 20).toFixed(1),
      ];
    }),
  ).join('\n');
}
