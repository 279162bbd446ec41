/**
 * The training loop of one run: epochs of shuffled (volume, text) batches, symmetric InfoNCE with
 * gradient accumulation, AdamW on a warm-up + cosine schedule, then validation, the epoch's record,
 * the best checkpoint when validation improved, and the last checkpoint with everything needed to
 * resume. With `gradientCheckpointing` the model recomputes each block in the backward (less memory,
 * the same gradients). With `mixedPrecision` the engine's conv kernels compute in f16 where the GPU
 * supports it and the loss is dynamically scaled: a step whose gradients overflow is skipped
 * (counted in the epoch's record) and the scale lowered. The batch order depends only on the run's
 * seed and the epoch, and every dropout mask on the seed and the step, so a run resumed from its
 * last checkpoint ends exactly as an uninterrupted one. A non-finite loss or gradient stops the run
 * before the step is applied; the last good checkpoint stays.
 */
import path from 'node:path';
import type { EpochRecord, RunConfig } from '../../shared/api/run-schemas';
import { SeededRandom } from '../../shared/seeded-random';
import { currentGpuMemory } from '../engine/backends/gpu-memory';
import { disableMixedPrecision, enableMixedPrecision } from '../engine/backends/mixed-precision';
import type { ResolvedTask } from '../engine/eval/tasks/resolve-task';
import { symmetricInfoNce } from '../engine/losses/info-nce';
import type { ContrastiveModel } from '../engine/models/contrastive-model';
import { accumulatedGradients, disposeGradients, type MicroBatch } from '../engine/train/accumulated-gradients';
import { AdamW, adamWParameters, type AdamWState } from '../engine/train/adamw';
import { temperatureOf, type ConfiguredMethod } from '../engine/train/configure-method';
import { DynamicLossScaler } from '../engine/train/loss-scaler';
import { learningRateAt, type LearningRateSchedule } from '../engine/train/lr-schedule';
import { mixSeed, reseedRandomness } from '../engine/train/reseed-randomness';
import { tf } from '../engine/tf';
import { UserError } from '../../shared/errors';
import type { JobContext } from '../jobs/job-context';
import type { EvaluationStudy } from '../store/repositories/evaluation-study-repository';
import type { TextTokenizer } from '../text/tokenizer';
import { writeRunCheckpoint, type RunBase, type WrittenCheckpoint } from './run-checkpoints';
import { textAt, type StudyTexts } from './run-texts';
import type { TrainerProgress } from './trainer-state';
import type { ImageInputs } from './training-inputs';
import { validate } from './validation';

export interface TrainerSetup {
  runId: number;
  runName: string;
  config: RunConfig;
  model: ContrastiveModel;
  method: ConfiguredMethod;
  tokenizer: TextTokenizer;
  inputs: ImageInputs;
  base: RunBase;
  /** The run's checkpoint folders. */
  checkpointsDir: string;
  train: readonly EvaluationStudy[];
  trainTexts: readonly StudyTexts[];
  val: readonly EvaluationStudy[];
  valTexts: readonly string[];
  task: ResolvedTask | null;
  resume: { progress: TrainerProgress; optimizer: AdamWState } | null;
  context: JobContext;
  /** Called after each epoch's checkpoints are written. */
  onEpoch: (record: EpochRecord, checkpoints: { last: WrittenCheckpoint; best: WrittenCheckpoint | null }) => void;
}

export interface TrainerOutcome {
  epochs: number;
  steps: number;
  stoppedEarly: boolean;
  bestEpoch: number | null;
  bestScore: number | null;
}

export function stepsPerEpoch(config: RunConfig, trainStudies: number): number {
  return Math.floor(trainStudies / (config.batchSize * config.gradientAccumulation));
}

export async function train(setup: TrainerSetup): Promise<TrainerOutcome> {
  const { config, model, context } = setup;
  const perEpoch = stepsPerEpoch(config, setup.train.length);
  const totalSteps = perEpoch * config.epochs;
  const schedule: LearningRateSchedule = {
    peak: config.optimizer.learningRate,
    totalSteps,
    warmupSteps: Math.round(config.schedule.warmupFraction * totalSteps),
    kind: config.schedule.kind,
    minFactor: config.schedule.minFactor,
  };
  const parameters = adamWParameters(model);
  const optimizer = new AdamW(parameters, {
    beta1: config.optimizer.beta1,
    beta2: config.optimizer.beta2,
    epsilon: config.optimizer.epsilon,
    weightDecay: config.optimizer.weightDecay,
  });
  const progress: TrainerProgress = setup.resume?.progress ?? {
    format_version: 1,
    runId: setup.runId,
    epoch: 0,
    step: 0,
    bestScore: null,
    bestEpoch: null,
    epochsWithoutImprovement: 0,
    stoppedEarly: false,
    history: [],
  };
  if (setup.resume) optimizer.importState(setup.resume.optimizer);
  const microBatch = config.batchSize;
  model.train();
  model.setGradientCheckpointing(config.gradientCheckpointing);
  const precision = config.mixedPrecision ? enableMixedPrecision() : null;
  if (precision) context.progress(progress.step, totalSteps, precision.description);
  const scaler = config.mixedPrecision ? new DynamicLossScaler(progress.lossScaler ?? null) : null;
  try {
    while (progress.epoch < config.epochs && !progress.stoppedEarly) {
      const epoch = progress.epoch + 1;
      const started = performance.now();
      const order = epochOrder(setup.train.length, config.seed, epoch);
      let lossSum = 0;
      const skippedBefore = scaler?.state().skippedSteps ?? 0;
      let peakTensorBytes = tf.memory().numBytes;
      let peakRssBytes = process.memoryUsage().rss;
      let peakGpuBytes = currentGpuMemory()?.bytes ?? null;
      const sampleGpu = (): void => {
        const gpu = currentGpuMemory();
        if (gpu) peakGpuBytes = Math.max(peakGpuBytes ?? 0, gpu.bytes);
      };
      for (let s = 0; s < perEpoch; s += 1) {
        context.throwIfCancelled();
        const step = progress.step;
        reseedRandomness(model, config.seed, step);
        const batches: MicroBatch[] = [];
        for (let a = 0; a < config.gradientAccumulation; a += 1) {
          const offset = (s * config.gradientAccumulation + a) * microBatch;
          const indices = order.slice(offset, offset + microBatch);
          batches.push(
            await microBatchOf(setup, indices, epoch, step, () => {
              peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
              sampleGpu();
            }),
          );
        }
        let loss: number;
        let applied: boolean;
        try {
          const scale = scaler?.scale ?? null;
          const result = await accumulatedGradients(parameters, batches, config.optimizer.clipNorm, {
            lossScale: scale,
          });
          loss = result.loss;
          applied = result.finite;
          scaler?.update(result.finite);
          if (scaler?.exhausted) {
            throw new UserError(
              'TRAINING_DIVERGED',
              `The training run diverged: the gradient norm is ${result.norm} even at loss scale ${scale}. The weights were left as they were before this step; lower the learning rate, or train without mixed precision.`,
            );
          }
          if (applied) optimizer.apply(result.gradients, learningRateAt(schedule, step), result.gradientScale);
          disposeGradients(result.gradients);
        } finally {
          for (const batch of batches) batch.dispose?.();
        }
        progress.step += 1;
        if (scaler) progress.lossScaler = scaler.state();
        lossSum += loss; // a skipped step's loss is still the loss of its batch under the current weights
        peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
        sampleGpu();
        context.progress(
          progress.step,
          totalSteps,
          `Epoch ${epoch}/${config.epochs} · step ${s + 1}/${perEpoch} · loss ${loss.toFixed(4)}` +
            (scaler ? ` · loss scale ${scaler.scale}${applied ? '' : ' · skipped (gradient overflow)'}` : ''),
        );
        await new Promise((resolve) => setImmediate(resolve)); // let a cancel message in
      }
      const trainSeconds = (performance.now() - started) / 1000;
      context.progress(progress.step, totalSteps, `Epoch ${epoch}/${config.epochs} · validating`);
      const validation = await validate({
        model,
        tokenizer: setup.tokenizer,
        inputs: setup.inputs,
        studies: setup.val,
        texts: setup.valTexts,
        task: setup.task,
        config,
        throwIfCancelled: () => context.throwIfCancelled(),
      });
      const score = setup.task ? validation.f1 : validation.loss === null ? null : -validation.loss;
      // No score yet (no validation, or an undefined F1): the latest epoch is the best one known.
      const improved =
        score === null
          ? progress.bestScore === null
          : progress.bestScore === null || score > progress.bestScore + (config.earlyStopping?.minDelta ?? 0);
      if (improved) {
        progress.bestScore = score;
        progress.bestEpoch = epoch;
        progress.epochsWithoutImprovement = 0;
      } else {
        progress.epochsWithoutImprovement += 1;
      }
      if (config.earlyStopping && progress.epochsWithoutImprovement >= config.earlyStopping.patience) {
        progress.stoppedEarly = true;
      }
      progress.epoch = epoch;
      const record: EpochRecord = {
        epoch,
        steps: progress.step,
        trainLoss: perEpoch > 0 ? lossSum / perEpoch : NaN,
        valLoss: validation.loss,
        valF1: validation.f1,
        valAuroc: validation.auroc,
        valAccuracy: validation.accuracy,
        temperature: await temperatureOf(model),
        learningRate: learningRateAt(schedule, Math.max(0, progress.step - 1)),
        volumesPerSecond: (perEpoch * config.batchSize * config.gradientAccumulation) / Math.max(trainSeconds, 1e-9),
        peakTensorBytes,
        peakRssBytes,
        peakGpuBytes,
        backend: tf.getBackend(),
        precision: precision?.f16Kernels ? 'mixed-f16' : 'float32',
        lossScale: scaler?.scale ?? null,
        skippedSteps: (scaler?.state().skippedSteps ?? 0) - skippedBefore,
        seconds: (performance.now() - started) / 1000,
        best: improved,
      };
      progress.history = [...progress.history, record];
      const best = improved
        ? writeRunCheckpoint(path.join(setup.checkpointsDir, 'best'), model, setup.method, {
            base: setup.base,
            runName: setup.runName,
          })
        : null;
      const last = writeRunCheckpoint(path.join(setup.checkpointsDir, 'last'), model, setup.method, {
        base: setup.base,
        runName: setup.runName,
        state: { progress, optimizer: await optimizer.exportState() },
      });
      setup.onEpoch(record, { last, best });
      context.progress(
        progress.step,
        totalSteps,
        `Epoch ${epoch}/${config.epochs} done · train loss ${record.trainLoss.toFixed(4)}` +
          (record.valF1 === null ? '' : ` · val F1 ${record.valF1.toFixed(3)}`) +
          (progress.stoppedEarly ? ' · stopping early' : ''),
      );
    }
    return {
      epochs: progress.epoch,
      steps: progress.step,
      stoppedEarly: progress.stoppedEarly,
      bestEpoch: progress.bestEpoch,
      bestScore: progress.bestScore,
    };
  } finally {
    optimizer.dispose();
    if (precision) disableMixedPrecision();
    model.setGradientCheckpointing(false);
    model.eval();
  }
}

/** The order of the training studies in an epoch: a permutation seeded by the run's seed and the epoch. */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  const random = new SeededRandom(mixSeed(seed, epoch, 0x0de7));
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i -= 1) {
    const j = random.int(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function microBatchOf(
  setup: TrainerSetup,
  indices: readonly number[],
  epoch: number,
  step: number,
  sample: () => void,
): Promise<MicroBatch> {
  const { model, tokenizer, config } = setup;
  const studies = indices.map((i) => setup.train[i]!);
  const texts = indices.map((i) => model.prepareText(textAt(setup.trainTexts[i]!, config.text, step)));
  const tokens = tokenizer.encodeBatch(texts, model.maxTextLength);
  const ids = tf.tensor2d(tokens.ids, [texts.length, tokens.maxLength], 'int32');
  const mask = tf.tensor2d(tokens.mask, [texts.length, tokens.maxLength], 'int32');
  const images = await setup.inputs.prepare(studies, { epoch, indices });
  return {
    size: studies.length,
    loss: () => {
      const loss = symmetricInfoNce(images.embed(), model.encodeText(ids, mask), model.logitScale());
      sample();
      return loss;
    },
    dispose: () => {
      images.dispose();
      tf.dispose([ids, mask]);
    },
  };
}
