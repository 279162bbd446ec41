/**
 * The evaluation contract: what a zero-shot evaluation takes, the metrics.json it writes (every
 * number with a bootstrap CI), the rows the comparison table shows, embedding projections and
 * similarity matrices, Grad-CAM, and the project's base model.
 */
import { z } from 'zod';
import { ClassificationReportSchema, ConfidenceIntervalSchema, ThresholdRuleSchema } from './metrics-schemas';

export const BaseModelInfoSchema = z.object({
  modelId: z.string(),
  sha256: z.string(),
  /** The checkpoint folder, relative to the project folder. */
  path: z.string(),
  preset: z.string(),
  sizeBytes: z.number().int(),
  setAt: z.string(),
});
export type BaseModelInfo = z.infer<typeof BaseModelInfoSchema>;

/**
 * Either a CT-VLM checkpoint folder with its tokenizer and preset, or a model of the data folder's
 * model library (an imported Merlin or CT-CLIP, with its own tokenizer; the preset defaults to the
 * one it was imported with). The service names what is missing.
 */
export const SetBaseModelInputSchema = z
  .object({
    /** A CT-VLM checkpoint folder (model.safetensors + config.json). */
    checkpoint: z.string().min(1).optional(),
    /** The model's own tokenizer folder (tokenizer.json); with `checkpoint`. */
    tokenizer: z.string().min(1).optional(),
    /** A model-library id (`ctvlm model list`), instead of `checkpoint`. */
    library: z.string().min(1).optional(),
    /** A built-in preset name or a preset JSON file (required with `checkpoint`). */
    preset: z.string().min(1).optional(),
  })
  .strict();
export type SetBaseModelInput = z.infer<typeof SetBaseModelInputSchema>;

/** What is evaluated: the project's base model, an adapter on it, or a training run's best checkpoint. */
export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('base') }).strict(),
  z.object({ kind: z.literal('adapter'), adapter: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('run'), run: z.string().min(1) }).strict(),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

export const EvaluationSplitSchema = z.enum(['train', 'val', 'test', 'all']);

export const StartEvaluationInputSchema = z
  .object({
    source: ModelSourceSchema.default({ kind: 'base' }),
    /** A built-in task name (hcc, ct-rate-18, …) or a task JSON file. */
    task: z.string().min(1),
    split: EvaluationSplitSchema.default('test'),
    /** Only this dataset's studies (e.g. an external sanity set); null: every dataset. */
    datasetId: z.number().int().positive().nullable().default(null),
    /** Overrides the task's threshold rule. */
    threshold: ThresholdRuleSchema.optional(),
    resamples: z.number().int().min(0).max(100_000).default(1000),
    seed: z.number().int().min(0).default(42),
    retrievalPoolSize: z.number().int().min(2).default(64),
    projections: z.boolean().default(true),
    /** Where metrics.json and predictions.csv go; default: files/evaluations/<id>/ in the project. */
    outputDir: z.string().min(1).optional(),
    batchSize: z.number().int().min(1).max(64).default(4),
    /**
     * 'linear': instead of zero-shot prompts, a linear probe (per-class logistic regression, the
     * BCE head of MedCT-VLM) fitted WITH LABELS on the train split's embeddings: a supervised
     * baseline for comparison, labelled as such in every output.
     */
    probe: z.enum(['none', 'linear']).default('none'),
  })
  .strict();
export type EvaluationRequest = z.output<typeof StartEvaluationInputSchema>;

/**
 * What a caller of `evaluations.start` gives: without a source, the service evaluates the project's
 * active adapter (else the base model); an explicit {kind: 'base'} still means the base model.
 */
export const StartEvaluationRouteInputSchema = StartEvaluationInputSchema.extend({
  source: ModelSourceSchema.optional(),
}).strict();
export type StartEvaluationInput = z.input<typeof StartEvaluationRouteInputSchema>;

const RetrievalDirectionSchema = z.object({
  recallAt1: ConfidenceIntervalSchema,
  recallAt5: ConfidenceIntervalSchema,
  recallAt10: ConfidenceIntervalSchema,
  mrr: ConfidenceIntervalSchema,
});

const RetrievalSetSchema = z.object({
  /** Candidates per query: the whole set, or the pool size. */
  candidates: z.number().int(),
  pools: z.number().int(),
  imageToReport: RetrievalDirectionSchema,
  reportToImage: RetrievalDirectionSchema,
});

export const RetrievalReportSchema = z.object({
  /** Studies with a report (the queries). */
  n: z.number().int(),
  whole: RetrievalSetSchema,
  pooled: RetrievalSetSchema.nullable(),
  meanMatchedCosine: ConfidenceIntervalSchema,
});
export type RetrievalReport = z.infer<typeof RetrievalReportSchema>;

/** The numbers of the comparison table (HCC-Merlin's Table 4), each with its CI. */
export const HeadlineSchema = z.object({
  auroc: ConfidenceIntervalSchema,
  f1: ConfidenceIntervalSchema,
  precision: ConfidenceIntervalSchema,
  recall: ConfidenceIntervalSchema,
  accuracy: ConfidenceIntervalSchema,
  meanMatchedCosine: ConfidenceIntervalSchema,
  recallAt1: ConfidenceIntervalSchema,
  /** 'binary' or 'macro' (multi-label: macro averages; accuracy is the mean per-class accuracy). */
  averaging: z.enum(['binary', 'macro']),
});
export type Headline = z.infer<typeof HeadlineSchema>;

export const EvaluatedModelSchema = z.object({
  kind: z.enum(['base', 'adapter', 'run']),
  /** "base", the adapter's name or the run's name. */
  label: z.string(),
  modelId: z.string(),
  /** sha256 of the base weights; with an adapter, of the adapter file too. */
  baseSha256: z.string(),
  adapterSha256: z.string().nullable(),
});

export const TaskDescriptionSchema = z.object({
  name: z.string(),
  description: z.string(),
  kind: z.enum(['binary', 'multilabel']),
  scoring: z.enum(['pair', 'positive-only']),
  /** The factor applied to cosines (the model's logit scale when the task says "model"). */
  scale: z.number(),
  threshold: ThresholdRuleSchema,
  classes: z.array(
    z.object({ name: z.string(), label: z.string(), positive: z.array(z.string()), negative: z.array(z.string()) }),
  ),
});

export const METRICS_FORMAT_VERSION = 1;

/** metrics.json */
export const MetricsDocumentSchema = z.object({
  format_version: z.literal(METRICS_FORMAT_VERSION),
  evaluationId: z.number().int().nullable(),
  createdAt: z.string(),
  task: TaskDescriptionSchema,
  model: EvaluatedModelSchema,
  dataset: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  split: EvaluationSplitSchema,
  studies: z.number().int(),
  /** Studies left out of a class's metrics because their label for it is missing. */
  missingLabels: z.record(z.string(), z.number().int()),
  seed: z.number().int(),
  backend: z.string(),
  headline: HeadlineSchema,
  classification: ClassificationReportSchema,
  retrieval: RetrievalReportSchema.nullable(),
  timing: z.object({ seconds: z.number(), volumesPerSecond: z.number() }),
  /** Null for zero-shot; a supervised baseline says what it was fitted on (with labels). */
  supervision: z
    .object({ kind: z.literal('linear-probe'), trainStudies: z.number().int(), note: z.string() })
    .nullable()
    .default(null),
});
export type MetricsDocument = z.infer<typeof MetricsDocumentSchema>;

export const EvaluationRowSchema = z.object({
  id: z.number().int(),
  task: z.string(),
  model: EvaluatedModelSchema.pick({ kind: true, label: true }),
  split: EvaluationSplitSchema,
  datasetId: z.number().int().nullable(),
  studies: z.number().int(),
  createdAt: z.string(),
  outputDir: z.string().nullable(),
  headline: HeadlineSchema,
});
export type EvaluationRow = z.infer<typeof EvaluationRowSchema>;

export const EvaluationIdSchema = z.number().int().positive();

export const PredictionRowSchema = z.object({
  studyId: z.number().int(),
  studyUid: z.string(),
  className: z.string(),
  label: z.union([z.literal(0), z.literal(1)]).nullable(),
  score: z.number(),
  pred: z.union([z.literal(0), z.literal(1)]),
});
export type PredictionRow = z.infer<typeof PredictionRowSchema>;

export const ProjectionMethodSchema = z.enum(['pca', 'tsne', 'umap']);

export const ProjectionPointSchema = z.object({
  x: z.number(),
  y: z.number(),
  evaluationId: z.number().int(),
  modality: z.enum(['image', 'report']),
  studyId: z.number().int(),
  studyUid: z.string(),
  split: z.enum(['train', 'val', 'test']),
  labels: z.record(z.string(), z.number()),
});
export type ProjectionPoint = z.infer<typeof ProjectionPointSchema>;

export const SimilarityMatrixSchema = z.object({
  kind: z.enum(['image-report', 'image-image']),
  /** Rows (and columns) in plotting order: grouped by the class label. */
  studyIds: z.array(z.number().int()),
  groups: z.array(z.object({ label: z.string(), start: z.number().int(), end: z.number().int() })),
  /** n x n, row-major, cosine similarities. */
  values: z.array(z.number()),
});
export type SimilarityMatrix = z.infer<typeof SimilarityMatrixSchema>;

export const StartGradCamInputSchema = z
  .object({
    source: ModelSourceSchema.default({ kind: 'base' }),
    /** The study's id in the project, or its study_uid. */
    study: z.union([z.number().int().positive(), z.string().min(1)]),
    /** A prompt, or "report" for the study's own report. */
    text: z.string().min(1),
    /**
     * A second text: the map then explains cos(image, text) − cos(image, versus), e.g. a zero-shot
     * pair's positive prompt against its negative one (what the prediction is made of).
     */
    versus: z.string().min(1).optional(),
    /** The NIfTI file to write (.nii.gz or .nii); default: files/gradcam/ in the project. */
    output: z.string().min(1).optional(),
  })
  .strict();
export type GradCamRequest = z.output<typeof StartGradCamInputSchema>;

/** What a caller of `gradcam.start` gives: without a source, the project's active adapter (else the base model). */
export const StartGradCamRouteInputSchema = StartGradCamInputSchema.extend({
  source: ModelSourceSchema.optional(),
}).strict();
export type StartGradCamInput = z.input<typeof StartGradCamRouteInputSchema>;

export const GradCamResultSchema = z.object({
  file: z.string(),
  studyId: z.number().int(),
  studyUid: z.string(),
  text: z.string(),
  versus: z.string().nullable(),
  /** cos(image, text), minus cos(image, versus) when given. */
  similarity: z.number(),
  /** Grid of the written map: the original CT's (voxel order and affine as stored). */
  dims: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  affine: z.array(z.number()).length(16),
  featureDims: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  /** The map is divided by its maximum (1 at the peak); 0 everywhere when nothing raises the similarity. */
  rawMax: z.number(),
  peak: z.object({
    voxel: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    worldMm: z.tuple([z.number(), z.number(), z.number()]),
    /** For each voxel axis of the original grid: the slice with the largest mean activation. */
    slices: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  }),
});
export type GradCamResult = z.infer<typeof GradCamResultSchema>;

/** A Grad-CAM map kept in the project (files/gradcam/NAME.nii.gz beside NAME.json, its result). */
export const GradCamMapSchema = GradCamResultSchema.extend({
  /** The file's name in files/gradcam/: what viewer-files.ts's gradCamFile() takes. */
  fileName: z.string(),
  /** Which model explained it: "base", an adapter's name, or "run NAME (best|last)". */
  modelLabel: z.string(),
  createdAt: z.string(),
});
export type GradCamMap = z.infer<typeof GradCamMapSchema>;
