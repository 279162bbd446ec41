/**
 * The project's base model: which checkpoint folder (inside files/models/), its tokenizer and its
 * preprocessing preset, kept as one JSON value in project_meta. Evaluations and training start from
 * it; adapters must have been trained on the same weights (sha256).
 */
import { z } from 'zod';
import { UserError } from '../../../shared/errors';
import { PresetSchema } from '../../volumes/preset-schema';
import type { Project } from '../project-store';

const BASE_MODEL_KEY = 'base_model';

export const BaseModelRecordSchema = z
  .object({
    modelId: z.string().min(1),
    /** sha256 of model.safetensors. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The checkpoint folder, relative to the project folder. */
    path: z.string().min(1),
    /** The tokenizer folder, relative to the project folder. */
    tokenizerPath: z.string().min(1),
    preset: PresetSchema,
    sizeBytes: z.number().int().nonnegative(),
    setAt: z.string(),
  })
  .strict();

export type BaseModelRecord = z.infer<typeof BaseModelRecordSchema>;

export function getBaseModel(project: Project): BaseModelRecord | null {
  const raw = project.getMeta(BASE_MODEL_KEY);
  if (raw === null) return null;
  let json: unknown = null;
  try {
    json = JSON.parse(raw);
  } catch {
    // reported below
  }
  const parsed = BaseModelRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'PROJECT_CORRUPT',
      `The project's base-model record is not valid; set the base model again (ctvlm model set-base).`,
    );
  }
  return parsed.data;
}

export function setBaseModel(project: Project, record: BaseModelRecord): void {
  project.setMeta(BASE_MODEL_KEY, JSON.stringify(BaseModelRecordSchema.parse(record)));
}
