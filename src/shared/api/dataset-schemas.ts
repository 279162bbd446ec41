import { z } from 'zod';

export const ImportErrorRowSchema = z.object({
  id: z.number().int(),
  datasetId: z.number().int(),
  studyUid: z.string().nullable(),
  /** Where in the manifest: "line 12: /data/ct/001.nii.gz". */
  source: z.string().nullable(),
  code: z.string(),
  message: z.string(),
  createdAt: z.string(),
});
export type ImportErrorRow = z.infer<typeof ImportErrorRowSchema>;

export const ImportDatasetInputSchema = z
  .object({
    manifestPath: z.string().min(1, 'Give the path of the manifest CSV.'),
    /** Default: the manifest's file name without extension. */
    datasetName: z.string().trim().min(1).max(120).optional(),
    /** Seed of the patient-level 60/20/20 split used when the manifest has no split column. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  })
  .strict();
export type ImportDatasetInput = z.infer<typeof ImportDatasetInputSchema>;

export const ImportSummarySchema = z.object({
  datasetId: z.number().int(),
  datasetName: z.string(),
  rows: z.number().int(),
  imported: z.number().int(),
  /** Studies already in the dataset from an earlier (possibly interrupted) import. */
  skipped: z.number().int(),
  failed: z.number().int(),
  splits: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;
