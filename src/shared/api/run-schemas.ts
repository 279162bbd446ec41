/**
 * The training contract: a run's typed configuration (stored with the run), what each epoch
 * records, a run's summary, and sweeps. Defaults are HCC-Merlin's where the paper gives them
 * (ConvLoRA r=2 α=2 on the bottleneck and downsample convolutions; LoRA r=16 α=32 dropout 0.2 on
 * the text attention's query/key/value; projections and temperature trainable; AdamW).
 */
import { z } from 'zod';
import { EvaluationRowSchema } from './evaluation-schemas';

/**
 * - peft: ConvLoRA on the image encoder + LoRA on the text encoder + projections + temperature (HCC-Merlin).
 * - full: every parameter.
 * - text-lora / image-conv-lora / projections: the HCC paper's Table 7 ablations (each keeps the
 *   projections and temperature trainable; `projections` trains only those).
 * - attention-lora: LoRA on every attention projection (query, key, value, attention output) of
 *   either encoder, as MedCT-VLM does for ViT-style encoders, plus projections and temperature.
 */
export const RUN_METHODS = ['peft', 'full', 'text-lora', 'image-conv-lora', 'projections', 'attention-lora'] as const;
export const RunMethodSchema = z.enum(RUN_METHODS, {
  error: (issue) => `Unknown method ${JSON.stringify(issue.input)}: use one of ${RUN_METHODS.join(', ')}.`,
});
export type RunMethod = z.infer<typeof RunMethodSchema>;

const rank = z.number().int().positive({ message: 'LoRA rank must be a whole number above 0' });

export const LoraSettingsSchema = z
  .object({
    rank,
    alpha: z.number().positive(),
    dropout: z.number().min(0).lt(1),
    /** Module names: a string that is the name or its last dotted parts, or /regex/ for a full match. */
    targets: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type LoraSettings = z.infer<typeof LoraSettingsSchema>;

/** HCC-Merlin's ConvLoRA: every bottleneck conv and downsample conv of the 3D ResNet. */
export const DEFAULT_IMAGE_LORA: LoraSettings = {
  rank: 2,
  alpha: 2,
  dropout: 0,
  targets: ['/encode_image\\.i3_resnet\\.layer\\d\\.\\d+\\.(conv[123]|downsample\\.0)/'],
};

/** HCC-Merlin's text LoRA. */
export const DEFAULT_TEXT_LORA: LoraSettings = {
  rank: 16,
  alpha: 32,
  dropout: 0.2,
  targets: ['query', 'key', 'value'],
};

/** MedCT-VLM-style attention LoRA (r=16, α=32 on the attention projections). */
export const DEFAULT_ATTENTION_LORA: LoraSettings = {
  rank: 16,
  alpha: 32,
  dropout: 0,
  targets: ['query', 'key', 'value', 'attention.output.dense'],
};

/** Which report text pairs with a volume. */
export const RUN_TEXT_SOURCES = ['full', 'findings-impression', 'anatomy', 'alternate'] as const;
export const RunTextSchema = z.enum(RUN_TEXT_SOURCES);
export type RunText = z.infer<typeof RunTextSchema>;

export const RunConfigSchema = z
  .object({
    /** Shown in tables; unique names are made from it (a suffix is added on a clash). */
    name: z.string().min(1).max(80).optional(),
    method: RunMethodSchema.default('peft'),
    imageLora: LoraSettingsSchema.default(DEFAULT_IMAGE_LORA),
    textLora: LoraSettingsSchema.default(DEFAULT_TEXT_LORA),
    attentionLora: LoraSettingsSchema.default(DEFAULT_ATTENTION_LORA),
    temperature: z
      .object({
        /** The initial temperature τ (logits = cos / τ; the HCC paper sweeps 0.07, 0.5, 1, 10), whatever the checkpoint's parametrisation (exp stores ln(1/τ)). Null keeps the checkpoint's. */
        init: z.number().positive().nullable().default(1),
        learnable: z.boolean().default(true),
      })
      .strict()
      .default({ init: 1, learnable: true }),
    text: RunTextSchema.default('full'),
    optimizer: z
      .object({
        learningRate: z.number().positive().max(1).default(1e-4),
        /** Decoupled (AdamW); never applied to norms, biases or the temperature. */
        weightDecay: z.number().min(0).max(1).default(0.01),
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.999),
        epsilon: z.number().positive().default(1e-8),
        /** Clip the global gradient norm to this; null: no clipping. */
        clipNorm: z.number().positive().nullable().default(1),
      })
      .strict()
      .default({ learningRate: 1e-4, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 }),
    schedule: z
      .object({
        kind: z.enum(['cosine', 'constant']).default('cosine'),
        /** Linear warm-up over this fraction of all optimizer steps. */
        warmupFraction: z.number().min(0).max(0.5).default(0.05),
        /** The cosine's floor, as a fraction of the peak learning rate. */
        minFactor: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ kind: 'cosine', warmupFraction: 0.05, minFactor: 0 }),
    batchSize: z
      .number()
      .int()
      .min(2, { message: 'batchSize must be at least 2: InfoNCE needs negatives' })
      .max(256)
      .default(8),
    /** Micro-batches per optimizer step; the loss is averaged over them. */
    gradientAccumulation: z.number().int().min(1).max(64).default(1),
    /** Recompute each image / text block's forward in the backward instead of keeping its activations: less memory, about one more forward of compute, the same gradients. */
    gradientCheckpointing: z.boolean().default(false),
    /** f16 arithmetic in the engine's conv kernels where the GPU supports it (WebGPU shader-f16; tensors stay float32), with dynamic loss scaling; float32 elsewhere. */
    mixedPrecision: z.boolean().default(false),
    epochs: z.number().int().min(1).max(1000).default(10),
    /** Early stopping on validation zero-shot F1; null: run every epoch. */
    earlyStopping: z
      .object({
        patience: z.number().int().min(1).default(5),
        minDelta: z.number().min(0).default(0),
      })
      .strict()
      .nullable()
      .default({ patience: 5, minDelta: 0 }),
    /** The zero-shot task validated on (F1 picks the best checkpoint); null: validation loss does. */
    validationTask: z.string().min(1).nullable().default(null),
    /** Bootstrap resamples for the validation metrics' CIs (0: none, fastest). */
    validationResamples: z.number().int().min(0).max(10_000).default(0),
    augment: z.boolean().default(false),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
    /** Only this dataset's studies; null: every dataset of the project. */
    datasetId: z.number().int().positive().nullable().default(null),
    /** Evaluate the best checkpoint on the test split when the run ends (the sweep table reads it). */
    testTask: z.string().min(1).nullable().default(null),
  })
  .strict();
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;

export const RunStatusSchema = z.enum(['created', 'running', 'succeeded', 'failed', 'cancelled']);

/** What one epoch records. */
export const EpochRecordSchema = z.object({
  epoch: z.number().int().min(1),
  steps: z.number().int().min(0),
  trainLoss: z.number(),
  valLoss: z.number().nullable(),
  /** Validation zero-shot metrics of the validation task (macro over classes); null without one. */
  valF1: z.number().nullable(),
  valAuroc: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  temperature: z.number(),
  learningRate: z.number(),
  volumesPerSecond: z.number(),
  /** Peak bytes of tensors alive on the backend during the epoch. */
  peakTensorBytes: z.number(),
  /** Peak resident memory of the process (bytes). */
  peakRssBytes: z.number(),
  /** Peak bytes the backend held on the GPU (WebGPU, WebGL); null on a backend that reports none (CPU, wasm, tensorflow). */
  peakGpuBytes: z.number().nullable().default(null),
  /** The compute backend the epoch ran on (null in records from before it was kept). */
  backend: z.string().nullable().default(null),
  /** 'mixed-f16' when the conv kernels computed in f16 (null in records from before it was kept). */
  precision: z.enum(['float32', 'mixed-f16']).nullable().default(null),
  /** Mixed precision's loss scale at the epoch's end; null without mixed precision. */
  lossScale: z.number().nullable().default(null),
  /** Steps skipped because their scaled gradients overflowed (mixed precision only). */
  skippedSteps: z.number().int().min(0).default(0),
  seconds: z.number(),
  best: z.boolean(),
});
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

export const RunSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  method: RunMethodSchema,
  status: RunStatusSchema,
  config: RunConfigSchema,
  trainableParameters: z.number().int().nullable(),
  totalParameters: z.number().int().nullable(),
  epochsDone: z.number().int(),
  bestEpoch: z.number().int().nullable(),
  bestValF1: z.number().nullable(),
  peakTensorBytes: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  sweepId: z.number().int().nullable(),
  /** The evaluation of the best checkpoint on the test split (config.testTask), when there is one. */
  testEvaluationId: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  epochs: z.array(EpochRecordSchema),
  checkpoints: z.array(
    z.object({ tag: z.string(), epoch: z.number().int(), path: z.string(), sizeBytes: z.number().int() }),
  ),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

const RunOverridesSchema = z.record(z.string(), z.unknown());

/**
 * A sweep: runs one after another. Each run's config is `base` overlaid with one entry of `runs`
 * (objects such as `optimizer` merge key by key), or, with `grid`, every combination of the listed
 * values (dotted keys reach into objects: {"method": ["peft", "full"], "temperature.init": [0.07, 1]}).
 * Each resulting config is checked in full before the first run starts.
 */
export const SweepConfigSchema = z
  .object({
    name: z.string().min(1).max(80).optional(),
    base: RunOverridesSchema.default({}),
    runs: z.array(RunOverridesSchema).optional(),
    grid: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  })
  .strict()
  .refine((sweep) => (sweep.runs?.length ?? 0) > 0 || Object.keys(sweep.grid ?? {}).length > 0, {
    message: 'a sweep needs "runs" (a list of configs) or "grid" (values to combine)',
  });
export type SweepConfig = z.infer<typeof SweepConfigSchema>;

export const SweepRowSchema = z.object({
  runId: z.number().int(),
  name: z.string(),
  method: RunMethodSchema,
  temperatureInit: z.number().nullable(),
  status: RunStatusSchema,
  trainableParameters: z.number().int().nullable(),
  peakTensorBytes: z.number().nullable(),
  /** The test evaluation of the run's best checkpoint (null if it failed or has none). */
  evaluation: EvaluationRowSchema.nullable(),
});
export type SweepRow = z.infer<typeof SweepRowSchema>;
