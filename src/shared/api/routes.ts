/**
 * The one API contract. Every route has a zod input and output; the Electron IPC bridge,
 * the web-mode HTTP server and the CLI all go through it, and main validates both sides.
 */
import { z } from 'zod';
import {
  AdapterIdSchema,
  AdapterNameSchema,
  AdapterRowSchema,
  ImportAdapterInputSchema,
  MergeAdapterInputSchema,
  MergedCheckpointSchema,
} from './adapter-schemas';
import { DoctorInputSchema } from './doctor-schemas';
import { ImportDatasetInputSchema, ImportErrorRowSchema } from './dataset-schemas';
import {
  BaseModelInfoSchema,
  EvaluationIdSchema,
  EvaluationRowSchema,
  MetricsDocumentSchema,
  PredictionRowSchema,
  ProjectionMethodSchema,
  ProjectionPointSchema,
  SetBaseModelInputSchema,
  SimilarityMatrixSchema,
  StartEvaluationRouteInputSchema,
  StartGradCamRouteInputSchema,
  GradCamMapSchema,
} from './evaluation-schemas';
import {
  AgreementRowSchema,
  ExtractedSentenceSchema,
  ExtractionCountsSchema,
  ExtractionDetailSchema,
  ExtractionListFilterSchema,
  ExtractionListRowSchema,
  OllamaHostSchema,
  OllamaModelNameSchema,
  OllamaSettingsSchema,
  OllamaStatusSchema,
  SentenceReviewSchema,
  StartExtractionInputSchema,
} from './extraction-schemas';
import { FoundationModelInfoSchema, ImportFoundationModelInputSchema } from './foundation-model-schemas';
import { JobIdSchema, JobInfoSchema } from './job-schemas';
import { RunDetailSchema, RunSummarySchema, SweepRowSchema } from './run-schemas';
import {
  ProjectDetailSchema,
  ProjectIdSchema,
  ProjectNameSchema,
  ProjectSummarySchema,
  StudyDetailSchema,
  StudyRowSchema,
} from './project-schemas';

const Empty = z.object({}).strict();

function route<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const routes = {
  'app.info': route(
    Empty,
    z.object({
      name: z.string(),
      version: z.string(),
      mode: z.enum(['electron', 'web', 'cli']),
      dataDir: z.string(),
      platform: z.string(),
      nodeVersion: z.string(),
    }),
    'What is running, where it keeps its data.',
  ),
  'system.doctor': route(
    DoctorInputSchema,
    z.object({ jobId: JobIdSchema }),
    'Self-test each compute backend in the background; the job returns the doctor report (see doctor-schemas.ts).',
  ),
  'projects.list': route(
    Empty,
    z.object({ projects: z.array(ProjectSummarySchema) }),
    'Known projects, most recently opened first.',
  ),
  'projects.create': route(
    z
      .object({
        name: ProjectNameSchema,
        /** Parent folder; the project folder is <directory>/<name>. Default: the data dir's projects/. */
        directory: z.string().min(1).optional(),
      })
      .strict(),
    ProjectSummarySchema,
    'Create a new empty project folder and register it.',
  ),
  'projects.add': route(
    z.object({ path: z.string().min(1) }).strict(),
    ProjectSummarySchema,
    'Register an existing project folder (validating it first).',
  ),
  'projects.forget': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ forgotten: z.boolean() }),
    'Remove a project from the list; its folder is left untouched.',
  ),
  'projects.get': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    ProjectDetailSchema,
    'Open a project and describe its contents.',
  ),
  'studies.list': route(
    z
      .object({
        projectId: ProjectIdSchema,
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
        /** Study id, patient id or report text containing this (case-insensitive). */
        search: z
          .string()
          .trim()
          .max(200)
          .nullable()
          .default(null)
          .transform((value) => value || null),
        split: z.enum(['train', 'val', 'test']).nullable().default(null),
      })
      .strict(),
    z.object({ total: z.number().int(), studies: z.array(StudyRowSchema) }),
    'Studies of a project (searchable, by split), with a report excerpt, evaluation-only labels and extraction status.',
  ),
  'studies.get': route(
    z.object({ projectId: ProjectIdSchema, studyId: z.number().int().positive() }).strict(),
    StudyDetailSchema,
    "One study for the viewer: its row, full report, and its volume's size and spacing.",
  ),
  'datasets.import': route(
    ImportDatasetInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Import studies and reports from a manifest CSV, in the background; bad studies are recorded, the rest imported.',
  ),
  'datasets.errors': route(
    z
      .object({
        projectId: ProjectIdSchema,
        datasetId: z.number().int().nullable().default(null),
        limit: z.number().int().min(1).max(1000).default(200),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ total: z.number().int(), errors: z.array(ImportErrorRowSchema) }),
    'What went wrong with each study that could not be imported.',
  ),
  'demo.ensure': route(
    Empty,
    z.object({ projectId: ProjectIdSchema, jobId: JobIdSchema.nullable() }),
    'Make sure the demo project exists; starts a job that builds it when it does not.',
  ),
  'demo.adapt': route(
    z
      .object({
        projectId: ProjectIdSchema,
        outputDir: z.string().min(1).nullable().default(null),
        resamples: z.number().int().min(0).max(100_000).default(1000),
      })
      .strict(),
    z.object({ jobId: JobIdSchema }),
    'The adaptation demo in a project: build the demo data, evaluate the base model, adapt it (PEFT, no labels), evaluate again.',
  ),
  'jobs.list': route(Empty, z.object({ jobs: z.array(JobInfoSchema) }), 'Long work, running and recent.'),
  'jobs.cancel': route(
    z.object({ jobId: JobIdSchema }).strict(),
    z.object({ cancelled: z.boolean() }),
    'Ask a running job to stop; it ends with status cancelled.',
  ),
  'adapters.list': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ adapters: z.array(AdapterRowSchema) }),
    'LoRA adapters of a project, with file size, trainable parameters and size against the base checkpoint.',
  ),
  'adapters.import': route(
    ImportAdapterInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    AdapterRowSchema,
    'Validate a PEFT adapter folder, copy it into the project and register it.',
  ),
  'adapters.fromRun': route(
    z
      .object({ projectId: ProjectIdSchema, run: z.string().min(1), name: AdapterNameSchema.nullable().default(null) })
      .strict(),
    AdapterRowSchema,
    "Register a LoRA training run's best (else last) checkpoint as an adapter of the project (default name <run>-best).",
  ),
  'adapters.export': route(
    z.object({ projectId: ProjectIdSchema, adapterId: AdapterIdSchema, folder: z.string().min(1) }).strict(),
    z.object({ folder: z.string() }),
    'Copy an adapter out as a PEFT folder (a new or empty folder; nothing is overwritten).',
  ),
  'adapters.delete': route(
    z.object({ projectId: ProjectIdSchema, adapterId: AdapterIdSchema }).strict(),
    z.object({ deleted: z.literal(true), name: z.string() }),
    'Remove an adapter: its row and its folder in the project.',
  ),
  'adapters.activate': route(
    z.object({ projectId: ProjectIdSchema, adapterId: AdapterIdSchema.nullable() }).strict(),
    z.object({ adapters: z.array(AdapterRowSchema) }),
    "Make an adapter the project's active one (null: none): evaluations and Grad-CAM use it when no model is named.",
  ),
  'adapters.merge': route(
    MergeAdapterInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    MergedCheckpointSchema,
    'Fold an adapter into its base checkpoint and write a standalone checkpoint folder.',
  ),
  'models.base': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ base: BaseModelInfoSchema.nullable() }),
    "The project's base model (checkpoint, tokenizer, preset), or null when none is set.",
  ),
  'models.setBase': route(
    SetBaseModelInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    BaseModelInfoSchema,
    'Check a CT-VLM checkpoint with its tokenizer (or a model-library Merlin / CT-CLIP) and copy it into the project as its base model.',
  ),
  'models.import': route(
    ImportFoundationModelInputSchema,
    z.object({ jobId: JobIdSchema }),
    'Import a Merlin or CT-CLIP checkpoint (.pt/.pth or .safetensors) into the model library; the job returns ImportFoundationModelResult.',
  ),
  'models.list': route(
    Empty,
    z.object({ models: z.array(FoundationModelInfoSchema) }),
    'The imported foundation models in the data folder.',
  ),
  'evaluations.tasks': route(
    Empty,
    z.object({
      tasks: z.array(
        z.object({
          name: z.string(),
          description: z.string(),
          kind: z.enum(['binary', 'multilabel']),
          classes: z.array(z.string()),
        }),
      ),
    }),
    'The built-in zero-shot tasks (a task JSON file can be given instead).',
  ),
  'evaluations.start': route(
    StartEvaluationRouteInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Evaluate the base model, an adapter or a run zero-shot on a split, in the background (no source: the active adapter, else base).',
  ),
  'evaluations.list': route(
    z.object({ projectId: ProjectIdSchema, task: z.string().min(1).nullable().default(null) }).strict(),
    z.object({ evaluations: z.array(EvaluationRowSchema) }),
    "A project's evaluations with their headline metrics and CIs: the comparison table.",
  ),
  'evaluations.get': route(
    z.object({ projectId: ProjectIdSchema, evaluationId: EvaluationIdSchema }).strict(),
    MetricsDocumentSchema,
    "One evaluation's metrics.json: per-class and overall metrics with CIs, ROC points, retrieval.",
  ),
  'evaluations.predictions': route(
    z
      .object({
        projectId: ProjectIdSchema,
        evaluationId: EvaluationIdSchema,
        limit: z.number().int().min(1).max(10_000).default(1000),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ total: z.number().int(), predictions: z.array(PredictionRowSchema) }),
    'Scores and predictions per study and class.',
  ),
  'evaluations.projection': route(
    z
      .object({
        projectId: ProjectIdSchema,
        evaluationIds: z.array(EvaluationIdSchema).min(1).max(8),
        method: ProjectionMethodSchema,
      })
      .strict(),
    z.object({ points: z.array(ProjectionPointSchema), note: z.string().nullable() }),
    'A 2-D projection (PCA, t-SNE, UMAP) of image and report embeddings; several evaluations are projected together.',
  ),
  'evaluations.similarity': route(
    z
      .object({
        projectId: ProjectIdSchema,
        evaluationId: EvaluationIdSchema,
        kind: z.enum(['image-report', 'image-image']),
        orderBy: z.string().min(1).nullable().default(null),
      })
      .strict(),
    SimilarityMatrixSchema,
    'A cosine-similarity matrix of an evaluation, ordered by a class label.',
  ),
  'gradcam.start': route(
    StartGradCamRouteInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Compute a 3D Grad-CAM map of one study for a text, written as NIfTI on the CT grid, in the background (no source: the active adapter, else base).',
  ),
  'gradcam.list': route(
    z.object({ projectId: ProjectIdSchema, studyId: z.number().int().positive() }).strict(),
    z.object({ maps: z.array(GradCamMapSchema) }),
    "A study's Grad-CAM maps kept in the project, newest first.",
  ),
  'runs.start': route(
    z
      .object({
        projectId: ProjectIdSchema,
        /** A run config (see run-schemas.ts); checked in full before the job starts. */
        config: z.record(z.string(), z.unknown()),
      })
      .strict(),
    z.object({ jobId: JobIdSchema }),
    'Start a training run of the base model on the project (PEFT, full or an ablation), in the background.',
  ),
  'runs.resume': route(
    z.object({ projectId: ProjectIdSchema, run: z.string().min(1) }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Resume a cancelled, failed or killed run from its last checkpoint, with its own config.',
  ),
  'runs.list': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ runs: z.array(RunSummarySchema) }),
    "A project's training runs with their status, size and best validation F1.",
  ),
  'runs.get': route(
    z.object({ projectId: ProjectIdSchema, run: z.string().min(1) }).strict(),
    RunDetailSchema,
    "One run: its config, every epoch's record (losses, validation metrics, temperature, learning rate, throughput, memory) and checkpoints.",
  ),
  'sweeps.start': route(
    z.object({ projectId: ProjectIdSchema, sweep: z.record(z.string(), z.unknown()) }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Run a list (or grid) of run configs one after another, each evaluated on the test split.',
  ),
  'sweeps.table': route(
    z.object({ projectId: ProjectIdSchema, sweepId: z.number().int().positive() }).strict(),
    z.object({ rows: z.array(SweepRowSchema) }),
    "A sweep's comparison table: each run's test metrics with CIs, trainable parameters and peak memory.",
  ),
  'ollama.settings': route(
    Empty,
    OllamaSettingsSchema,
    'The saved Ollama host and model (defaults: 127.0.0.1:11434, qwen3:8b).',
  ),
  'ollama.configure': route(
    z.object({ host: OllamaHostSchema.optional(), model: OllamaModelNameSchema.optional() }).strict(),
    OllamaSettingsSchema,
    'Save the Ollama host and the default extraction model.',
  ),
  'ollama.status': route(
    z.object({ host: OllamaHostSchema.nullable().default(null) }).strict(),
    OllamaStatusSchema,
    'Is Ollama reachable, which version, which models are installed; never throws for a server that is down.',
  ),
  'ollama.pull': route(
    z.object({ host: OllamaHostSchema.nullable().default(null), model: OllamaModelNameSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    'Download a model into Ollama, in the background, with progress.',
  ),
  'extraction.start': route(
    StartExtractionInputSchema.extend({ projectId: ProjectIdSchema }).strict(),
    z.object({ jobId: JobIdSchema }),
    "Split the project's reports into sections and organ-level text (Ollama or rules), in the background; cached results are reused.",
  ),
  'extraction.list': route(
    z
      .object({
        projectId: ProjectIdSchema,
        filter: ExtractionListFilterSchema.default('all'),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .strict(),
    z.object({ total: z.number().int(), counts: ExtractionCountsSchema, rows: z.array(ExtractionListRowSchema) }),
    "Each report's extraction status: engine, failures, ungrounded sentences waiting for review.",
  ),
  'extraction.get': route(
    z.object({ projectId: ProjectIdSchema, studyId: z.number().int().positive() }).strict(),
    ExtractionDetailSchema,
    'One report with its extracted sentences, where each was found in the source, and their review state.',
  ),
  'extraction.review': route(
    z
      .object({ projectId: ProjectIdSchema, sentenceId: z.number().int().positive(), review: SentenceReviewSchema })
      .strict(),
    z.object({ sentences: z.array(ExtractedSentenceSchema) }),
    'Accept or reject an extracted sentence, and every copy of it in the same extraction (a finding and its organ-level copy); an accepted ungrounded sentence may then be trained on.',
  ),
  'extraction.edit': route(
    z
      .object({
        projectId: ProjectIdSchema,
        studyId: z.number().int().positive(),
        section: z.string().min(1),
        text: z.string().max(20_000),
      })
      .strict(),
    ExtractionDetailSchema,
    "Replace one section's text of a report's current extraction with a person's text (accepted as written).",
  ),
  'extraction.agreement': route(
    z.object({ projectId: ProjectIdSchema }).strict(),
    z.object({ rows: z.array(AgreementRowSchema) }),
    'Per dataset: how far the Ollama extraction agrees with the rule-based one.',
  ),
  'extraction.export': route(
    z.object({ projectId: ProjectIdSchema, file: z.string().min(1) }).strict(),
    z.object({ file: z.string(), records: z.number().int() }),
    "Write each report's current extraction as JSON Lines (written whole, then renamed into place).",
  ),
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export type RouteInput<R extends RouteName> = z.input<Routes[R]['input']>;
export type RouteParsedInput<R extends RouteName> = z.output<Routes[R]['input']>;
export type RouteOutput<R extends RouteName> = z.output<Routes[R]['output']>;

export const ROUTE_NAMES = Object.keys(routes) as RouteName[];

export function isRouteName(name: string): name is RouteName {
  return Object.prototype.hasOwnProperty.call(routes, name);
}
