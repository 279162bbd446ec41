/**
 * The model library's contract: published foundation models (Merlin, CT-CLIP) imported once from
 * a PyTorch or safetensors checkpoint into the data folder, then listed and embedded with.
 */
import { z } from 'zod';

export const FOUNDATION_ARCHS = ['merlin', 'ctclip'] as const;
export const FoundationArchSchema = z.enum(FOUNDATION_ARCHS);
export type FoundationArch = z.infer<typeof FoundationArchSchema>;

/** A model's id in the library: also its folder name under <dataDir>/models/. */
export const FoundationModelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'lower-case letters, digits, ".", "_" or "-", at most 80 characters');

export const ImportFoundationModelInputSchema = z
  .object({
    /** A .pt/.pth (torch.save zip) or .safetensors checkpoint. */
    file: z.string().min(1),
    arch: FoundationArchSchema,
    /** Hugging Face style config (text model + image encoder sizes); the arch's released sizes without it. */
    config: z.string().min(1).optional(),
    /** A folder with the model's own tokenizer files, copied into the library. */
    tokenizer: z.string().min(1).optional(),
    /** The id to store it under; from the file name without it. */
    name: z.string().min(1).max(80).optional(),
  })
  .strict();
export type ImportFoundationModelInput = z.infer<typeof ImportFoundationModelInputSchema>;

export const FoundationModelInfoSchema = z.object({
  id: FoundationModelIdSchema,
  arch: FoundationArchSchema,
  /** The config's own name (e.g. "ct-clip", "merlin"). */
  configName: z.string(),
  parameters: z.number().int().nonnegative(),
  tensors: z.number().int().nonnegative(),
  /** Bytes of the stored model.safetensors. */
  sizeBytes: z.number().int().nonnegative(),
  /** sha256 of the stored model.safetensors: the identity adapters are checked against. */
  weightsSha256: z.string(),
  /** The preprocessing preset embed uses by default. */
  preset: z.string(),
  hasTokenizer: z.boolean(),
  source: z.object({ file: z.string(), sha256: z.string(), sizeBytes: z.number().int().nonnegative() }),
  importedAt: z.string(),
  path: z.string(),
});
export type FoundationModelInfo = z.infer<typeof FoundationModelInfoSchema>;

/** What the models.import job returns. */
export const ImportFoundationModelResultSchema = z.object({
  model: FoundationModelInfoSchema,
  /** True when the same source file with the same config was imported before: nothing was written. */
  alreadyImported: z.boolean(),
  /** What the key check dropped or allowed by rule, and what the reader unwrapped. */
  notes: z.array(z.string()),
});
export type ImportFoundationModelResult = z.infer<typeof ImportFoundationModelResultSchema>;
