/**
 * config.json of a full CT-VLM checkpoint folder (beside model.safetensors):
 * `{ architecture: "ctvlm", format_version: 1, modelId, config }`, where `config` is the
 * CtVlmConfig the weights were built with. The weights file's sha256 identifies the checkpoint
 * (adapters record it as their base model); the config is not part of that hash.
 */
import { z } from 'zod';
import { CtVlmConfigSchema } from '../models/ctvlm/ctvlm-config';

export const CHECKPOINT_WEIGHTS_FILE = 'model.safetensors';
export const CHECKPOINT_CONFIG_FILE = 'config.json';
export const CHECKPOINT_FORMAT_VERSION = 1;

export const CheckpointConfigSchema = z
  .object({
    architecture: z.literal('ctvlm'),
    format_version: z.literal(CHECKPOINT_FORMAT_VERSION),
    modelId: z.string().min(1),
    config: CtVlmConfigSchema,
  })
  .strict();

export type CheckpointConfig = z.infer<typeof CheckpointConfigSchema>;
