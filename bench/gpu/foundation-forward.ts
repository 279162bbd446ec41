/**
 * The published architectures at full size on the current tfjs backend, with random weights (built
 * from their configs; no checkpoint): Merlin (MERLIN_FULL) image and text embeddings, CT-CLIP
 * (CTCLIP_FULL) image and text latents, and one HCC-Merlin PEFT training step (symmetric InfoNCE,
 * Adam), trying smaller inputs after a failure. Each case records ms (median of the timed runs
 * after one warm-up), peak live tensor bytes (tfjs's accounting, sampled at every tensor tracked),
 * tf.memory() at that point and, on webgpu, the Dawn calls per run and the peak of live Dawn buffer
 * bytes. A failure is recorded with its exact message and the tfjs kernel that was running.
 */
import { CTCLIP_FULL, CTCLIP_TINY, type CtClipConfigInput } from '../../src/main/engine/models/ctclip/ctclip-config';
import { CtClip } from '../../src/main/engine/models/ctclip/ct-clip';
import { disableMixedPrecision, enableMixedPrecision } from '../../src/main/engine/backends/mixed-precision';
import { DynamicLossScaler } from '../../src/main/engine/train/loss-scaler';
import { applyHccMerlinPeft } from '../../src/main/engine/models/merlin/hcc-merlin-peft';
import { Merlin } from '../../src/main/engine/models/merlin/merlin';
import {
  MERLIN_FULL,
  MERLIN_TINY,
  MerlinConfigSchema,
  type MerlinConfigInput,
} from '../../src/main/engine/models/merlin/merlin-config';
import { symmetricInfoNce } from '../../src/main/engine/losses/info-nce';
import { tf, type Tensor } from '../../src/main/engine/tf';
import { accumulatedGradients, disposeGradients } from '../../src/main/engine/train/accumulated-gradients';
import { AdamW, adamWParameters } from '../../src/main/engine/train/adamw';
import { dawnBufferBytes, dawnSnapshot, perStep, resetDawnPeak, type DawnCounts } from './dawn-counters';
import { imageForwardFlops } from './flops';

export interface FoundationOptions {
  /** tiny configs and inputs (a local check of the harness) */
  tiny: boolean;
  onWebgpu: boolean;
  /** timed runs after the warm-up (fewer when a run is slow: see maxCaseSeconds) */
  runs: number;
  /** stop adding timed runs (past the first) once they took this long */
  maxCaseSeconds: number;
  /** start no case after this time (Date.now()) */
  deadline: number;
  /** which parts: merlin, ctclip, peft */
  parts: string[];
  /** only this PEFT input [batch, Z, Y, X] (one per process: a failed step leaks its tape) */
  peftInput?: [number, number, number, number];
  /** the PEFT step with gradient checkpointing */
  gradientCheckpointing: boolean;
  /** the PEFT step with mixed precision (enableMixedPrecision and dynamic loss scaling, as the trainer runs it) */
  mixedPrecision: boolean;
  /** called after every case (to save the results so far) */
  onCase: (record: FoundationCase) => void;
}

export interface FoundationCase {
  model: string;
  what: string;
  input: string;
  ok: boolean;
  error?: string;
  /** the tfjs kernel running when it failed (the last one started) */
  failedKernel?: string;
  /** the last few kernels started before the failure, oldest first */
  kernelsBeforeFailure?: string[];
  params?: number;
  trainableParams?: number;
  buildMs?: number;
  firstRunMs?: number;
  msAll?: number[];
  msMedian?: number;
  analyticGflop?: number;
  kernelsPerRun?: number;
  peakTensorBytes?: number;
  baselineTensorBytes?: number;
  /** tf.memory() at the end of the last timed run, before its outputs were freed */
  memoryAtEnd?: Record<string, unknown>;
  dawnPerRun?: DawnCounts;
  dawnPeakBufferBytes?: number;
  dawnBaselineBufferBytes?: number;
  tensorsLeaked?: number;
  /**
   * webgpu: errors Dawn reported to the device during the case (uncapturederror; the run does not
   * throw, its results are then wrong), their count and the first messages
   */
  gpuErrorCount?: number;
  gpuErrors?: string[];
  gpuErrorKernels?: string[];
  skipped?: string;
}

let kernels = 0;
let peakBytes = 0;
const recentKernels: string[] = [];
let hooked = false;
/** GPU errors (Dawn validation, out-of-memory) reported to the device's uncapturederror event */
const gpuErrors: string[] = [];
let gpuErrorCount = 0;
/** the last kernels started when the first GPU error of the case arrived (it arrives late) */
let gpuErrorKernels: string[] = [];

/** Listens to the webgpu backend's device for uncaptured errors (the step does not throw on those). */
function listenGpuErrors(): boolean {
  const device: unknown = Reflect.get(tf.backend(), 'device');
  if (typeof device !== 'object' || device === null) return false;
  const add: unknown = Reflect.get(device, 'addEventListener');
  const onError = (event: unknown): void => {
    gpuErrorCount += 1;
    if (gpuErrorCount === 1) gpuErrorKernels = [...recentKernels];
    const error: unknown = typeof event === 'object' && event !== null ? Reflect.get(event, 'error') : event;
    const message: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : error;
    if (gpuErrors.length < 3) gpuErrors.push(String(message).trim().slice(0, 1500));
  };
  if (typeof add === 'function') {
    (add as (this: unknown, type: string, listener: (event: unknown) => void) => void).call(
      device,
      'uncapturederror',
      onError,
    );
    return true;
  }
  return Reflect.set(device, 'onuncapturederror', onError);
}

/** Counts engine.runKernel calls (remembering the last names) and samples numBytes at every trackTensor. */
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
      const name = args[0];
      recentKernels.push(`${typeof name === 'string' ? name : '?'}${shapesOf(args[1])}`);
      if (recentKernels.length > 12) recentKernels.shift();
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

/** ` [a: 1x2, b: 3]`: the shapes of a kernel's named inputs */
function shapesOf(inputs: unknown): string {
  if (typeof inputs !== 'object' || inputs === null) return '';
  const parts = Object.entries(inputs).map(([key, value]: [string, unknown]) => {
    const shape: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'shape') : undefined;
    return `${key}: ${Array.isArray(shape) ? shape.join('x') : '?'}`;
  });
  return ` [${parts.join(', ')}]`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/**
 * Times `run` (which returns tensors to read back and free): one warm-up, then up to `runs` timed
 * runs (at least one). Fills in the case's timing and memory fields; throws what `run` throws.
 */
async function timeRuns(record: FoundationCase, run: () => Tensor[] | Promise<Tensor[]>, options: FoundationOptions) {
  const baseline = tf.engine().state.numBytes;
  const tensorsBefore = tf.memory().numTensors;
  const dawnBaseline = dawnBufferBytes().live;
  const once = async (): Promise<{ ms: number; memory: Record<string, unknown> }> => {
    const started = process.hrtime.bigint();
    const outputs = await run();
    await Promise.all(outputs.map((t) => t.data()));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const memory = { ...tf.memory() } as Record<string, unknown>;
    tf.dispose(outputs);
    return { ms, memory };
  };
  peakBytes = baseline;
  resetDawnPeak();
  record.baselineTensorBytes = baseline;
  record.dawnBaselineBufferBytes = dawnBaseline;
  const first = await once();
  record.firstRunMs = first.ms;
  console.log(`    first run ${first.ms.toFixed(0)} ms, peak tensors ${mib(peakBytes - baseline)} MiB`);
  const kernelsBefore = kernels;
  const dawnBefore = dawnSnapshot();
  peakBytes = tf.engine().state.numBytes;
  resetDawnPeak();
  const msAll: number[] = [];
  let spent = 0;
  let memory = first.memory;
  while (msAll.length < options.runs && (msAll.length === 0 || spent < options.maxCaseSeconds * 1000)) {
    const result = await once();
    msAll.push(result.ms);
    memory = result.memory;
    spent += result.ms;
  }
  record.msAll = msAll;
  record.msMedian = median(msAll);
  record.kernelsPerRun = (kernels - kernelsBefore) / msAll.length;
  record.peakTensorBytes = peakBytes - baseline;
  record.memoryAtEnd = memory;
  if (options.onWebgpu) {
    record.dawnPerRun = perStep(dawnBefore, dawnSnapshot(), msAll.length);
    record.dawnPeakBufferBytes = dawnBufferBytes().peak;
  }
  record.tensorsLeaked = tf.memory().numTensors - tensorsBefore;
  record.ok = true;
  console.log(
    `    median ${record.msMedian.toFixed(0)} ms of [${msAll.map((m) => m.toFixed(0)).join(', ')}], ` +
      `peak tensors ${mib(record.peakTensorBytes)} MiB, kernels ${record.kernelsPerRun}, ` +
      `dispatches ${record.dawnPerRun?.dispatches ?? '-'}`,
  );
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/** Runs `body` as one case, recording a failure (message, kernel) instead of throwing. */
async function runCase(
  base: Pick<FoundationCase, 'model' | 'what' | 'input'> & Partial<FoundationCase>,
  options: FoundationOptions,
  body: (record: FoundationCase) => Promise<void>,
): Promise<FoundationCase> {
  const record: FoundationCase = { ok: false, ...base };
  if (Date.now() > options.deadline) {
    record.skipped = 'past the deadline';
    console.log(`  ${record.model} ${record.what} ${record.input}: skipped, past the deadline`);
    options.onCase(record);
    return record;
  }
  console.log(`  ${record.model} ${record.what} ${record.input}`);
  recentKernels.length = 0;
  gpuErrors.length = 0;
  gpuErrorCount = 0;
  gpuErrorKernels = [];
  try {
    await body(record);
  } catch (error) {
    record.ok = false;
    record.error = messageOf(error);
    record.failedKernel = recentKernels.at(-1);
    record.kernelsBeforeFailure = [...recentKernels];
    console.log(`    FAILED: ${record.error.slice(0, 2000)} (last kernel ${record.failedKernel ?? '?'})`);
  }
  if (options.onWebgpu) {
    record.gpuErrorCount = gpuErrorCount;
    record.gpuErrors = [...gpuErrors];
    if (gpuErrorCount > 0) record.gpuErrorKernels = gpuErrorKernels;
    if (gpuErrorCount > 0) console.log(`    GPU ERRORS: ${gpuErrorCount}; first: ${gpuErrors[0] ?? ''}`);
  }
  options.onCase(record);
  return record;
}

function randomIds(batch: number, tokens: number, vocab: number): { ids: Tensor; mask: Tensor } {
  return tf.tidy(() => ({
    ids: tf.randomUniform([batch, tokens], 3, vocab, 'int32', 7),
    mask: tf.ones([batch, tokens], 'int32'),
  }));
}

function timeBuild<T>(build: () => T): { model: T; ms: number } {
  const started = process.hrtime.bigint();
  const model = build();
  return { model, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function merlinForward(options: FoundationOptions): Promise<void> {
  const config: MerlinConfigInput = options.tiny ? MERLIN_TINY : MERLIN_FULL;
  const parsed = MerlinConfigSchema.parse(config);
  // X, Y, Z, largest first: the next is tried only if one fails
  const volumes: Array<[number, number, number]> = options.tiny
    ? [
        [32, 32, 16],
        [16, 16, 8],
      ]
    : [
        [224, 224, 160],
        [192, 192, 112],
        [160, 160, 96],
      ];
  const textLengths = options.tiny ? [16, 8] : [1024, 512];
  const built = timeBuild(() => new Merlin(config).eval());
  const model = built.model;
  const params = model.parameterCount();
  try {
    for (const [x, y, z] of volumes) {
      const flops = imageForwardFlops(
        {
          inputChannels: 3,
          stemChannels: parsed.image.stemChannels,
          widths: parsed.image.widths,
          blocks: parsed.image.blocks,
        },
        parsed.embedDim,
        { batch: 1, volume: [z, x, y], tokens: 0 },
      );
      const result = await runCase(
        {
          model: parsed.name,
          what: 'image embedding (encodeImage, eval)',
          input: `(1, 1, ${x}, ${y}, ${z})`,
          params,
          buildMs: built.ms,
          analyticGflop: flops / 1e9,
        },
        options,
        async (record) => {
          const input = tf.randomUniform([1, 1, x, y, z], 0, 1, 'float32', 3);
          try {
            await timeRuns(record, () => [model.encodeImage(input)], options);
          } finally {
            input.dispose();
          }
        },
      );
      if (result.ok || result.skipped) break;
    }
    for (const tokens of textLengths) {
      await runCase(
        { model: parsed.name, what: 'text embedding (encodeText, eval)', input: `(1, ${tokens}) tokens`, params },
        options,
        async (record) => {
          const { ids, mask } = randomIds(1, tokens, parsed.text.vocabSize);
          try {
            await timeRuns(record, () => [model.encodeText(ids, mask)], options);
          } finally {
            tf.dispose([ids, mask]);
          }
        },
      );
    }
  } finally {
    model.dispose();
  }
}

async function ctclipForward(options: FoundationOptions): Promise<void> {
  const config: CtClipConfigInput = options.tiny ? CTCLIP_TINY : CTCLIP_FULL;
  const frames = options.tiny ? 12 : 240;
  const size = config.image.imageSize;
  const tokens = options.tiny ? 16 : 512;
  const built = timeBuild(() => new CtClip(config).eval());
  const model = built.model;
  const params = model.parameterCount();
  try {
    await runCase(
      {
        model: config.name,
        what: 'image latent (encodeImage, eval)',
        input: `(1, ${frames}, ${size}, ${size}, 1) NDHWC`,
        params,
        buildMs: built.ms,
      },
      options,
      async (record) => {
        const input = tf.randomUniform([1, frames, size, size, 1], 0, 1, 'float32', 3);
        try {
          await timeRuns(record, () => [model.encodeImage(input)], options);
        } finally {
          input.dispose();
        }
      },
    );
    await runCase(
      { model: config.name, what: 'text latent (encodeText, eval)', input: `(1, ${tokens}) tokens`, params },
      options,
      async (record) => {
        const { ids, mask } = randomIds(1, tokens, config.text.vocabSize);
        try {
          await timeRuns(record, () => [model.encodeText(ids, mask)], options);
        } finally {
          tf.dispose([ids, mask]);
        }
      },
    );
  } finally {
    model.dispose();
  }
}

/** HCC-Merlin PEFT step inputs, largest first: [batch, Z, Y, X] (workbench NDHWC [B, Z, Y, X, 1]). */
const PEFT_INPUTS: Array<[number, number, number, number]> = [
  [2, 160, 224, 224],
  [1, 160, 224, 224],
  [1, 112, 192, 192],
  [2, 80, 160, 160],
  [1, 96, 160, 160],
  [2, 32, 64, 64],
];
const PEFT_INPUTS_TINY: Array<[number, number, number, number]> = [
  [2, 16, 32, 32],
  [1, 16, 32, 32],
];

async function peftStep(options: FoundationOptions): Promise<void> {
  const config: MerlinConfigInput = options.tiny ? MERLIN_TINY : MERLIN_FULL;
  const parsed = MerlinConfigSchema.parse(config);
  const tokens = options.tiny ? 16 : 512;
  const built = timeBuild(() => {
    const merlin = new Merlin(config);
    applyHccMerlinPeft(merlin);
    return merlin.train();
  });
  const model = built.model;
  const params = model.parameterCount();
  const trainableParams = model.parameterCount(true);
  model.setGradientCheckpointing(options.gradientCheckpointing);
  const precision = options.mixedPrecision ? enableMixedPrecision() : null;
  if (precision) console.log(`  ${precision.description}`);
  const scaler = precision ? new DynamicLossScaler() : null;
  // The trainer's step: accumulatedGradients (one read-back) + AdamW without decay (= Adam 1e-4).
  const parameters = adamWParameters(model, () => false);
  const optimizer = new AdamW(parameters, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
  try {
    const inputs = options.peftInput ? [options.peftInput] : options.tiny ? PEFT_INPUTS_TINY : PEFT_INPUTS;
    for (const [batch, z, y, x] of inputs) {
      const result = await runCase(
        {
          model: `${parsed.name} + HCC-Merlin PEFT`,
          what: `training step (symmetric InfoNCE, Adam 1e-4, train mode${options.gradientCheckpointing ? ', gradient checkpointing' : ''}${precision ? `, ${precision.f16Kernels ? 'f16 conv kernels' : 'float32'} with loss scaling` : ''})`,
          input: `(${batch}, ${z}x${y}x${x}), ${tokens} tokens`,
          params,
          trainableParams,
          buildMs: built.ms,
        },
        options,
        async (record) => {
          const { ids, mask } = randomIds(batch, tokens, parsed.text.vocabSize);
          const volumes = tf.randomUniform([batch, z, y, x, 1], 0, 1, 'float32', 5);
          const micro = {
            size: batch,
            loss: (): tf.Scalar =>
              symmetricInfoNce(model.encodeVolumes(volumes), model.encodeText(ids, mask), model.logitScale()),
          };
          try {
            await timeRuns(
              record,
              async () => {
                const { gradients, gradientScale, finite } = await accumulatedGradients(parameters, [micro], null, {
                  lossScale: scaler?.scale ?? null,
                });
                scaler?.update(finite);
                if (finite) optimizer.apply(gradients, 1e-4, gradientScale);
                disposeGradients(gradients);
                return [tf.clone(model.logit_scale)]; // the queue runs in order: reading it waits for the update
              },
              options,
            );
          } finally {
            tf.dispose([volumes, ids, mask]);
          }
        },
      );
      if (result.ok || result.skipped) break;
    }
  } finally {
    if (precision) disableMixedPrecision();
    optimizer.dispose();
    model.dispose();
  }
}

export async function runFoundation(options: FoundationOptions): Promise<void> {
  hookEngine();
  if (options.onWebgpu && !listenGpuErrors()) console.log('  webgpu: cannot listen for uncaptured GPU errors');
  if (options.parts.includes('merlin')) await merlinForward(options);
  if (options.parts.includes('ctclip')) await ctclipForward(options);
  if (options.parts.includes('peft')) await peftStep(options);
}
