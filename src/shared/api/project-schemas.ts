import { z } from 'zod';
import { ErrorPayloadSchema } from '../errors';

export const ProjectIdSchema = z.string().uuid();

/** One project as the registry of known projects sees it. */
export const ProjectSummarySchema = z.object({
  id: ProjectIdSchema,
  name: z.string(),
  path: z.string(),
  isDemo: z.boolean(),
  createdAt: z.string(),
  lastOpenedAt: z.string(),
  /** ok: opens; missing: the folder is gone; error: it cannot be opened (see error). */
  status: z.enum(['ok', 'missing', 'error']),
  error: ErrorPayloadSchema.nullable(),
});
export type ProjectSummary = z.infer<typeof ProjectSummarySchema>;

export const ProjectCountsSchema = z.object({
  datasets: z.number().int(),
  studies: z.number().int(),
  reports: z.number().int(),
  runs: z.number().int(),
  adapters: z.number().int(),
  evaluations: z.number().int(),
});
export type ProjectCounts = z.infer<typeof ProjectCountsSchema>;

export const DatasetSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  source: z.string(),
  createdAt: z.string(),
  studyCount: z.number().int(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

export const ProjectDetailSchema = z.object({
  project: ProjectSummarySchema,
  schemaVersion: z.number().int(),
  counts: ProjectCountsSchema,
  datasets: z.array(DatasetSummarySchema),
});
export type ProjectDetail = z.infer<typeof ProjectDetailSchema>;

export const StudyRowSchema = z.object({
  id: z.number().int(),
  studyUid: z.string(),
  patientId: z.string(),
  datasetId: z.number().int(),
  split: z.enum(['train', 'val', 'test']),
  imagePath: z.string(),
  reportExcerpt: z.string(),
  labels: z.record(z.string(), z.number()),
  /** Its report's extraction: extracted (has a current extraction), failed, or none yet. */
  extraction: z.enum(['none', 'extracted', 'failed']),
  /** Sentences of the current extraction not found in the report and not yet reviewed. */
  needsReview: z.number().int(),
});
export type StudyRow = z.infer<typeof StudyRowSchema>;

/** One study for the viewer: its row, the whole report, and what its volume is. */
export const StudyDetailSchema = z.object({
  study: StudyRowSchema,
  /** The full report text (null when the study has none). */
  report: z.string().nullable(),
  /** The stored CT as imported: voxels per axis and spacing in mm; null when it cannot be read. */
  volume: z
    .object({
      dims: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
      spacingMm: z.tuple([z.number(), z.number(), z.number()]),
      /** The preset the "preprocessed" volume is made with (the project's base model's); null with no base model. */
      preprocessPreset: z.string().nullable(),
    })
    .nullable(),
  /** Why the volume could not be read, when volume is null. */
  volumeError: z.string().nullable(),
});
export type StudyDetail = z.infer<typeof StudyDetailSchema>;

/** A project name becomes a folder name: keep it printable and short. */
export const ProjectNameSchema = z
  .string()
  .trim()
  .min(1, 'A project needs a name.')
  .max(80, 'A project name can be at most 80 characters.')
  .refine(
    (name) => !/[/\\:*?"<>|]/.test(name) && ![...name].some((ch) => ch.charCodeAt(0) < 32),
    'A project name cannot contain / \\ : * ? " < > | or control characters.',
  );
