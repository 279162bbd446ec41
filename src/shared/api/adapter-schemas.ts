import { z } from 'zod';

/** A file-system folder given by the user (absolute, or resolved by the caller). */
const FolderSchema = z.string().min(1);

/** An adapter's name: also its folder name under files/adapters/. */
export const AdapterNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'use 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  );

export const AdapterIdSchema = z.number().int().positive();

/** One adapter registered in a project (its files live in <project>/files/adapters/<name>/). */
export const AdapterRowSchema = z.object({
  id: AdapterIdSchema,
  name: z.string(),
  /** base_model_name_or_path of its config. */
  baseModel: z.string(),
  baseModelSha256: z.string(),
  /** Bytes of adapter_model.safetensors. */
  sizeBytes: z.number().int().nonnegative(),
  trainableParams: z.number().int().nonnegative(),
  rank: z.number().int().positive(),
  alpha: z.number().positive(),
  targets: z.union([z.array(z.string()), z.string()]),
  createdAt: z.string(),
  runId: z.number().int().nullable(),
  /** Size of the base checkpoint file when the project knows it (a checkpoint row with its sha256). */
  baseCheckpointSizeBytes: z.number().int().nonnegative().nullable(),
  /** sizeBytes / baseCheckpointSizeBytes, or null when the base checkpoint is not known. */
  sizeRatio: z.number().nonnegative().nullable(),
  /** The project's active adapter: evaluations and Grad-CAM use it when no model is named. */
  active: z.boolean(),
});
export type AdapterRow = z.infer<typeof AdapterRowSchema>;

export const ImportAdapterInputSchema = z.object({
  folder: FolderSchema,
  name: AdapterNameSchema.optional(),
});
export type ImportAdapterInput = z.infer<typeof ImportAdapterInputSchema>;

export const MergeAdapterInputSchema = z.object({
  adapterId: AdapterIdSchema,
  /** A checkpoint folder (config.json + model.safetensors) whose sha256 the adapter names. */
  baseCheckpoint: FolderSchema,
  /** Where the merged checkpoint is written: a new or empty folder. */
  output: FolderSchema,
});
export type MergeAdapterInput = z.infer<typeof MergeAdapterInputSchema>;

export const MergedCheckpointSchema = z.object({
  path: z.string(),
  modelId: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});
export type MergedCheckpoint = z.infer<typeof MergedCheckpointSchema>;
