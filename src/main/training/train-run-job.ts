/**
 * Job `training.run`: one training run of the project's base model on the project's CT-report
 * pairs, or the resumption of a run from its last checkpoint. Everything that can be wrong with
 * the request (config, studies, texts, task) is checked before the run is recorded or any file
 * is written. The run's record, epochs and checkpoints go to the project database as they happen.
 */
import path from 'node:path';
import { z } from 'zod';
import { StartEvaluationInputSchema } from '../../shared/api/evaluation-schemas';
import { RunConfigSchema, type RunConfig } from '../../shared/api/run-schemas';
import { AppError, BugError, CancelledError, UserError } from '../../shared/errors';
import { selectBackend } from '../engine/backends/select-backend';
import { resolveTask, type ResolvedTask } from '../engine/eval/tasks/resolve-task';
import { checkMethodFitsArch, configureMethod } from '../engine/train/configure-method';
import { evaluateInProject } from '../evaluation/evaluate-job';
import type { JobContext } from '../jobs/job-context';
import { baseModelArch, loadBaseModel } from '../models/load-base-model';
import { getBaseModel } from '../store/repositories/base-model-repository';
import { listEvaluationStudies, type EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import {
  dropEpochsAfter,
  finishRun,
  insertRun,
  markOrphanedRunsFailed,
  markRunRunning,
  recordCheckpoint,
  recordEpoch,
  requireRun,
  setRunTestEvaluation,
  uniqueRunName,
} from '../store/repositories/run-repository';
import { openProject, type Project } from '../store/project-store';
import { loadTokenizer } from '../text/tokenizer';
import { existingFolder } from './checkpoint-folder';
import { describeCheckpoint, loadRunCheckpoint } from './run-checkpoints';
import { studyTexts, type StudyTexts } from './run-texts';
import { stepsPerEpoch, train, type TrainerOutcome } from './trainer';
import { readTrainerState } from './trainer-state';
import { ImageInputs } from './training-inputs';

export const StartRunJobInputSchema = z.object({
  config: z.unknown(),
  /** A run (id or name) to resume from its last checkpoint; its stored config is used. */
  resume: z.string().min(1).nullable().default(null),
  sweepId: z.number().int().nullable().default(null),
});

export interface RunJobResult {
  runId: number;
  name: string;
  outcome: TrainerOutcome;
  testEvaluationId: number | null;
}

export async function trainRunJob(input: unknown, context: JobContext): Promise<RunJobResult> {
  if (!context.projectDir) throw new BugError('training.run needs a project folder.');
  const request = StartRunJobInputSchema.parse(input);
  const project = openProject(context.projectDir, { mode: 'write', lockToken: context.lockToken ?? undefined });
  try {
    return await runInProject(project, request, context);
  } finally {
    project.close();
  }
}

/** Parse a run config, with a message that names every problem. */
export function parseRunConfig(input: unknown): RunConfig {
  const parsed = RunConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `The run config is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')}.`,
    );
  }
  return parsed.data;
}

interface PreparedRun {
  config: RunConfig;
  train: EvaluationStudy[];
  trainTexts: StudyTexts[];
  val: EvaluationStudy[];
  task: ResolvedTask | null;
}

/** Every check that needs no model: config, studies, texts, task. Throws RUN_CONFIG_INVALID. */
export function prepareRun(project: Project, config: RunConfig): PreparedRun {
  const fail = (message: string): UserError => new UserError('RUN_CONFIG_INVALID', message);
  const base = getBaseModel(project);
  if (base) checkMethodFitsArch(baseModelArch(path.join(project.dir, base.path)), config);
  const train = listEvaluationStudies(project.db, 'train', config.datasetId);
  const val = listEvaluationStudies(project.db, 'val', config.datasetId);
  const where = config.datasetId ? ` of dataset ${config.datasetId}` : '';
  if (train.length === 0)
    throw fail(`No training studies: the project has none in split "train"${where}; import a dataset first.`);
  const perStep = config.batchSize * config.gradientAccumulation;
  if (stepsPerEpoch(config, train.length) === 0) {
    throw fail(
      `${train.length} training studies are fewer than one optimizer step needs (batchSize ${config.batchSize} × gradientAccumulation ${config.gradientAccumulation} = ${perStep}); lower them.`,
    );
  }
  const trainTexts = studyTexts(project.db, train, config.text);
  let task: ResolvedTask | null = null;
  if (config.validationTask) {
    task = resolveTask(config.validationTask);
    const labelled = task.classes.some((item) => val.some((study) => item.label in study.labels));
    if (!labelled) {
      throw fail(
        `None of the ${val.length} validation studies has a label for task "${task.task.name}" (label:${task.classes.map((c) => c.label).join(', label:')}); choose another validation task or import labels.`,
      );
    }
  }
  if (config.earlyStopping && val.length === 0) {
    throw fail(
      'Early stopping needs validation studies, and the project has none in split "val"; set earlyStopping to null.',
    );
  }
  if (config.testTask) resolveTask(config.testTask);
  return { config, train, trainTexts, val, task };
}

export async function runInProject(
  project: Project,
  request: z.infer<typeof StartRunJobInputSchema>,
  context: JobContext,
): Promise<RunJobResult> {
  const base = getBaseModel(project);
  if (!base) {
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `The project "${project.meta.name}" has no base model to train: set one with \`ctvlm model set-base\`.`,
    );
  }
  const resumed = request.resume ? requireRun(project.db, request.resume) : null;
  const config = resumed ? resumed.config : parseRunConfig(request.config);
  const prepared = prepareRun(project, config);
  const lastFolder = resumed ? resumeFolder(project, resumed.id, resumed.name) : null;

  // This job holds the project's write lock: any other run still marked running lost its process.
  markOrphanedRunsFailed(project.db);
  const backend = await selectBackend();
  context.progress(0, 1, `Loading ${base.modelId} (${backend.chosen})`);
  const tokenizer = loadTokenizer(path.join(project.dir, base.tokenizerPath));
  const { model } = await loadBaseModel(path.join(project.dir, base.path));
  let inputs: ImageInputs | null = null;
  let runId: number | null = null;
  let modelLive = true;
  try {
    model.assertTokenizerFits(tokenizer.vocabSize);
    const method = configureMethod(model, config);
    let state = null;
    if (resumed && lastFolder) {
      state = readTrainerState(lastFolder);
      await loadRunCheckpoint(lastFolder, model, method);
      runId = resumed.id;
      markRunRunning(project.db, runId);
      dropEpochsAfter(project.db, runId, state.progress.epoch);
      for (const record of state.progress.history) recordEpoch(project.db, runId, record);
    } else {
      const wanted = config.name ?? `${config.method}-t${config.temperature.init ?? 'ckpt'}`;
      runId = insertRun(project.db, {
        name: uniqueRunName(project.db, wanted),
        config,
        sweepId: request.sweepId,
        trainableParameters: method.trainableParameters,
        totalParameters: method.totalParameters,
      });
    }
    const name = resumed?.name ?? requireRun(project.db, runId).name;
    const checkpointsDir = runCheckpointsDir(project, runId, name);
    inputs = new ImageInputs(project, model, base.preset, { augment: config.augment, seed: config.seed });
    const id = runId;
    const relative = (folder: string): string => path.relative(project.dir, folder).split(path.sep).join('/');
    const outcome = await train({
      runId: id,
      runName: name,
      config,
      model,
      method,
      tokenizer,
      inputs,
      base: { modelId: base.modelId, sha256: base.sha256 },
      checkpointsDir,
      train: prepared.train,
      trainTexts: prepared.trainTexts,
      val: prepared.val,
      valTexts: prepared.val.map((study) => study.report ?? ''),
      task: prepared.task,
      resume: state,
      context,
      onEpoch: (record, { last, best }) => {
        recordEpoch(project.db, id, record);
        recordCheckpoint(project.db, {
          runId: id,
          tag: 'last',
          epoch: record.epoch,
          path: relative(last.folder),
          sha256: last.sha256,
          sizeBytes: last.sizeBytes,
        });
        if (best) {
          recordCheckpoint(project.db, {
            runId: id,
            tag: 'best',
            epoch: record.epoch,
            path: relative(best.folder),
            sha256: best.sha256,
            sizeBytes: best.sizeBytes,
          });
        }
      },
    });
    if (state) {
      // A resumed run's checkpoint rows may predate a kill; record what is on disk.
      for (const tag of ['last', 'best'] as const) {
        const folder = existingFolder(path.join(checkpointsDir, tag));
        if (folder && outcome.epochs === state.progress.epoch) {
          const written = describeCheckpoint(folder);
          recordCheckpoint(project.db, {
            runId: id,
            tag,
            epoch: tag === 'best' ? (outcome.bestEpoch ?? outcome.epochs) : outcome.epochs,
            path: relative(folder),
            sha256: written.sha256,
            sizeBytes: written.sizeBytes,
          });
        }
      }
    }
    inputs.dispose();
    inputs = null;
    model.dispose();
    modelLive = false;
    let testEvaluationId: number | null = null;
    if (config.testTask) {
      context.progress(1, 1, `Evaluating run ${name} on the test split`);
      const evaluation = await evaluateInProject(
        project,
        StartEvaluationInputSchema.parse({
          source: { kind: 'run', run: String(id) },
          task: config.testTask,
          split: 'test',
          datasetId: config.datasetId,
          seed: config.seed,
          projections: false,
        }),
        context,
      );
      testEvaluationId = evaluation.evaluationId;
      setRunTestEvaluation(project.db, id, testEvaluationId);
    }
    finishRun(project.db, id, 'succeeded');
    return { runId: id, name, outcome, testEvaluationId };
  } catch (error) {
    if (runId !== null) {
      if (error instanceof CancelledError) finishRun(project.db, runId, 'cancelled');
      else if (error instanceof AppError)
        finishRun(project.db, runId, 'failed', { code: error.code, message: error.message });
      else finishRun(project.db, runId, 'failed', { code: 'INTERNAL', message: String(error) });
    }
    throw error;
  } finally {
    inputs?.dispose();
    if (modelLive) model.dispose();
  }
}

/** files/runs/<id>-<name>/checkpoints */
export function runCheckpointsDir(project: Project, runId: number, name: string): string {
  return path.join(project.filesDir, 'runs', `${runId}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`, 'checkpoints');
}

function resumeFolder(project: Project, runId: number, name: string): string {
  const folder = existingFolder(path.join(runCheckpointsDir(project, runId, name), 'last'));
  if (!folder) {
    throw new UserError(
      'RUN_CONFIG_INVALID',
      `Run "${name}" has no last checkpoint to resume from (it stopped before its first epoch ended); start it again instead.`,
    );
  }
  return folder;
}
