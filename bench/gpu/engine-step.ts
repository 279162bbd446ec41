/**
 * Times the engine's training step as the trainer runs it (accumulatedGradients over one micro-batch,
 * then AdamW with no weight decay, which is Adam) on the current tfjs backend, and counts what the step costs besides arithmetic: tfjs kernels run, peak
 * tensor bytes (tfjs's own accounting, sampled at every tensor it tracks) and, on webgpu, the Dawn
 * calls (dispatches, submits, buffer creations, read-backs) per step.
 */
import { CtVlm } from '../../src/main/engine/models/ctvlm/ct-vlm';
import type { CtVlmConfig } from '../../src/main/engine/models/ctvlm/ctvlm-config';
import { tf } from '../../src/main/engine/tf';
import { accumulatedGradients, disposeGradients } from '../../src/main/engine/train/accumulated-gradients';
import { AdamW, adamWParameters, type AdamWParameter } from '../../src/main/engine/train/adamw';
import { DynamicLossScaler } from '../../src/main/engine/train/loss-scaler';
import { disableMixedPrecision, enableMixedPrecision } from '../../src/main/engine/backends/mixed-precision';
import type { ContrastiveBatch } from '../../src/main/engine/train/contrastive-step';
import { dawnBufferBytes, dawnSnapshot, perStep, resetDawnPeak, type DawnCounts } from './dawn-counters';
import type { BenchInput } from './sizes';

export interface EngineTiming {
  params: number;
  /** the first step: shader compilation, Adam's state */
  firstStepMs: number;
  msAll: number[];
  msMedian: number;
  msMin: number;
  kernelsPerStep: number;
  /**
   * largest sum of live tensor bytes tfjs tracked during the timed steps, less what was alive before
   * this case's model was built (tensors leaked by an earlier failed case: see baselineTensorBytes)
   */
  peakTensorBytes: number;
  /** tensor bytes alive before the model was built (0 unless an earlier case failed mid-step) */
  baselineTensorBytes: number;
  /** tf.memory() after the timed steps */
  memoryAfter: Record<string, number | boolean | string[] | undefined>;
  /** webgpu only: Dawn calls per timed step, and the peak bytes of live Dawn buffers */
  dawnPerStep?: DawnCounts;
  dawnPeakBufferBytes?: number;
  /** webgpu only: bytes of Dawn buffers alive before the model was built (tfjs's pool and leaks) */
  dawnBaselineBufferBytes?: number;
  /** with --mixed-precision: what ran in f16, the final loss scale and the steps skipped for overflow */
  mixedPrecision?: { description: string; f16Kernels: boolean; lossScale: number; skippedSteps: number };
}

export interface TimingOptions {
  warmups: number;
  maxRuns: number;
  minRuns: number;
  /** stop adding runs (past minRuns) once the timed runs took this long */
  maxSeconds: number;
  gradientCheckpointing: boolean;
  /** f16 conv kernels where supported (enableMixedPrecision) and dynamic loss scaling, as the trainer runs them */
  mixedPrecision: boolean;
}

let kernels = 0;
let peakBytes = 0;
let hooked = false;

/** Counts engine.runKernel calls and samples engine numBytes at every trackTensor (instance wrappers). */
function hookEngine(): void {
  if (hooked) return;
  hooked = true;
  const engine = tf.engine();
  const runKernel: unknown = Reflect.get(engine, 'runKernel');
  const trackTensor: unknown = Reflect.get(engine, 'trackTensor');
  if (typeof runKernel === 'function') {
    const original = runKernel as (...args: unknown[]) => unknown;
    Reflect.set(engine, 'runKernel', (...args: unknown[]): unknown => {
      kernels += 1;
      return original.apply(engine, args);
    });
  }
  if (typeof trackTensor === 'function') {
    const original = trackTensor as (...args: unknown[]) => unknown;
    Reflect.set(engine, 'trackTensor', (...args: unknown[]): unknown => {
      const result = original.apply(engine, args);
      peakBytes = Math.max(peakBytes, engine.state.numBytes);
      return result;
    });
  }
}

function seededBatch(config: CtVlmConfig, input: BenchInput, seed: number): ContrastiveBatch {
  return tf.tidy(() => ({
    volumes: tf.randomUniform([input.batch, ...input.volume, config.image.inputChannels], 0, 1, 'float32', seed),
    ids: tf.randomUniform([input.batch, input.tokens], 1, config.text.vocabSize, 'int32', seed + 1),
    mask: tf.ones([input.batch, input.tokens], 'int32'),
  }));
}

/** torch.optim.Adam(lr=1e-4)'s settings: AdamW without decay is Adam. */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
const LEARNING_RATE = 1e-4;

interface Trainer {
  parameters: AdamWParameter[];
  optimizer: AdamW;
}

function trainerOf(model: CtVlm): Trainer {
  const parameters = adamWParameters(model, () => false);
  return { parameters, optimizer: new AdamW(parameters, ADAM) };
}

async function step(
  model: CtVlm,
  trainer: Trainer,
  batch: ContrastiveBatch,
  scaler: DynamicLossScaler | null,
): Promise<number> {
  const started = process.hrtime.bigint();
  const micro = {
    size: batch.volumes.shape[0] ?? 1,
    loss: () => model.contrastiveLoss(batch.volumes, batch.ids, batch.mask),
  };
  const { gradients, gradientScale, finite } = await accumulatedGradients(trainer.parameters, [micro], null, {
    lossScale: scaler?.scale ?? null,
  });
  scaler?.update(finite);
  if (finite) trainer.optimizer.apply(gradients, LEARNING_RATE, gradientScale);
  disposeGradients(gradients);
  await model.temperature.data(); // the queue runs in order: this waits for the whole update
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function timeEngineStep(
  config: CtVlmConfig,
  input: BenchInput,
  options: TimingOptions,
  onWebgpu: boolean,
): Promise<EngineTiming> {
  hookEngine();
  const baselineTensorBytes = tf.engine().state.numBytes;
  const dawnBaselineBufferBytes = dawnBufferBytes().live;
  const model = new CtVlm(config).train();
  model.setGradientCheckpointing(options.gradientCheckpointing);
  const optimizer = trainerOf(model);
  const batch = seededBatch(config, input, 1);
  const precision = options.mixedPrecision ? enableMixedPrecision() : null;
  const scaler = precision ? new DynamicLossScaler() : null;
  try {
    const params = model.trainableParameters().reduce((sum, v) => sum + v.size, 0);
    const firstStepMs = await step(model, optimizer, batch, scaler);
    for (let i = 1; i < options.warmups; i += 1) await step(model, optimizer, batch, scaler);
    const kernelsBefore = kernels;
    const dawnBefore = dawnSnapshot();
    peakBytes = tf.engine().state.numBytes;
    resetDawnPeak();
    const msAll: number[] = [];
    let spent = 0;
    while (msAll.length < options.maxRuns && (msAll.length < options.minRuns || spent < options.maxSeconds * 1000)) {
      const ms = await step(model, optimizer, batch, scaler);
      msAll.push(ms);
      spent += ms;
    }
    const sorted = [...msAll].sort((a, b) => a - b);
    const timing: EngineTiming = {
      params,
      firstStepMs,
      msAll,
      msMedian: sorted[Math.floor(sorted.length / 2)] ?? NaN,
      msMin: sorted[0] ?? NaN,
      kernelsPerStep: (kernels - kernelsBefore) / msAll.length,
      peakTensorBytes: peakBytes - baselineTensorBytes,
      baselineTensorBytes,
      memoryAfter: { ...tf.memory() },
    };
    if (precision && scaler)
      timing.mixedPrecision = { ...precision, lossScale: scaler.scale, skippedSteps: scaler.state().skippedSteps };
    if (onWebgpu) {
      timing.dawnPerStep = perStep(dawnBefore, dawnSnapshot(), msAll.length);
      timing.dawnPeakBufferBytes = dawnBufferBytes().peak;
      timing.dawnBaselineBufferBytes = dawnBaselineBufferBytes;
    }
    return timing;
  } finally {
    if (precision) disableMixedPrecision();
    tf.dispose([batch.volumes, batch.ids, batch.mask]);
    optimizer.optimizer.dispose();
    model.dispose();
  }
}
