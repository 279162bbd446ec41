/**
 * A foundation model's sizes from its config file, or the released model's without one.
 *
 * The file is Hugging Face style, so a user can paste the text model's own config.json:
 *
 *   { "architecture": "ctclip",                 optional; must match --arch
 *     "name": "ct-clip-small",                  optional
 *     "text_config": { ...the text model's config.json (BertConfig / LongformerConfig) },
 *     "vision_config": { ...the image encoder's sizes, snake_case or camelCase },
 *     "projection_dim": 512,                    the shared latent
 *     "max_length": 512 }                       longest tokenised report, optional
 *
 * Fields left out of vision_config take the released model's value. The workbench's own form
 * ({ name, image, text, latentDim | embedDim }, as the parity fixtures' config.json holds under
 * "config") is read too. Settings that change the computation but not a tensor's shape (the
 * activation, the LayerNorm epsilon, the position embedding type, the model type) are checked
 * here, because the key check cannot see them.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { FoundationArch } from '../../../shared/api/foundation-model-schemas';
import { UserError } from '../../../shared/errors';
import { BERT_LAYER_NORM_EPS } from '../../engine/layers/layer-norm';
import { CTCLIP_FULL, CtClipConfigSchema, type CtClipConfig } from '../../engine/models/ctclip/ctclip-config';
import { MERLIN_FULL, MerlinConfigSchema, type MerlinConfig } from '../../engine/models/merlin/merlin-config';

export type FoundationConfig = { arch: 'ctclip'; config: CtClipConfig } | { arch: 'merlin'; config: MerlinConfig };

const HfTextConfigSchema = z
  .object({
    model_type: z.string().optional(),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    intermediate_size: z.number().int().positive(),
    max_position_embeddings: z.number().int().positive(),
    type_vocab_size: z.number().int().positive().optional(),
    hidden_act: z.string().optional(),
    layer_norm_eps: z.number().positive().optional(),
    hidden_dropout_prob: z.number().min(0).max(0.9).optional(),
    position_embedding_type: z.string().optional(),
    pad_token_id: z.number().int().min(0).optional(),
    attention_window: z.union([z.number().int().positive(), z.array(z.number().int().positive()).min(1)]).optional(),
  })
  .passthrough();
type HfTextConfig = z.infer<typeof HfTextConfigSchema>;

const HfConfigSchema = z
  .object({
    architecture: z.string().optional(),
    name: z.string().min(1).optional(),
    text_config: HfTextConfigSchema,
    vision_config: z.record(z.string(), z.unknown()).optional(),
    projection_dim: z.number().int().positive().optional(),
    max_length: z.number().int().positive().optional(),
  })
  .passthrough();

/** The released model's config for an arch (what a checkpoint without --config is checked against). */
export function fullConfig(arch: FoundationArch): FoundationConfig {
  return arch === 'ctclip'
    ? { arch, config: CtClipConfigSchema.parse(CTCLIP_FULL) }
    : { arch, config: MerlinConfigSchema.parse(MERLIN_FULL) };
}

/** Read and resolve a config file for `arch`. */
export function readFoundationConfig(arch: FoundationArch, file: string): FoundationConfig {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      'INVALID_INPUT',
      code
        ? `Cannot read the config ${file} (${code}).`
        : `The config ${file} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return resolveFoundationConfig(arch, json, file);
}

export function resolveFoundationConfig(arch: FoundationArch, json: unknown, file: string): FoundationConfig {
  if (!isRecord(json)) throw new UserError('INVALID_INPUT', `The config ${file} must be a JSON object.`);
  const declared = json.architecture;
  if (typeof declared === 'string' && declared !== arch) {
    throw new UserError('INVALID_INPUT', `The config ${file} is for "${declared}", but --arch is ${arch}.`);
  }
  if (isRecord(json.config) && isRecord(json.config.image)) return native(arch, json.config, file);
  if (isRecord(json.image) && isRecord(json.text)) return native(arch, json, file);
  const parsed = HfConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'INVALID_INPUT',
      `The config ${file} is neither Hugging Face style (text_config, vision_config, projection_dim) nor the workbench's ` +
        `own form (image, text): ${issues(parsed.error)}.`,
    );
  }
  const hf = parsed.data;
  const vision = camelCaseKeys(hf.vision_config ?? {});
  if (arch === 'ctclip') {
    checkText(hf.text_config, 'bert', BERT_LAYER_NORM_EPS, file);
    const full = CtClipConfigSchema.parse(CTCLIP_FULL);
    const text = hf.text_config;
    return native(
      arch,
      {
        name: hf.name ?? 'ct-clip',
        image: { ...full.image, ...vision },
        text: {
          ...transformerSizes(text),
          maxLength: Math.min(hf.max_length ?? 512, text.max_position_embeddings),
          ...(text.hidden_dropout_prob === undefined ? {} : { dropout: text.hidden_dropout_prob }),
        },
        latentDim: hf.projection_dim ?? full.latentDim,
      },
      file,
    );
  }
  checkText(hf.text_config, 'longformer', 1e-5, file);
  const full = MerlinConfigSchema.parse(MERLIN_FULL);
  const text = hf.text_config;
  const padTokenId = text.pad_token_id ?? 1;
  const window = attentionWindow(text.attention_window, file) ?? full.text.attentionWindow;
  if (isRecord(vision) && 'numClasses' in vision) {
    vision.classes = vision.numClasses;
    delete vision.numClasses;
  }
  return native(
    arch,
    {
      name: hf.name ?? 'merlin',
      image: { ...full.image, ...vision },
      text: {
        ...transformerSizes(text),
        typeVocabSize: text.type_vocab_size ?? 1,
        attentionWindow: window,
        padTokenId,
        layerNormEps: text.layer_norm_eps ?? 1e-5,
        dropout: text.hidden_dropout_prob ?? 0.1,
        globalFirstToken: false,
        maxLength: Math.min(hf.max_length ?? 1024, text.max_position_embeddings - padTokenId - 1),
      },
      embedDim: hf.projection_dim ?? full.embedDim,
    },
    file,
  );
}

/** The sizes every BERT-family config.json states the same way (BertConfig, LongformerConfig). */
function transformerSizes(text: HfTextConfig) {
  return {
    vocabSize: text.vocab_size,
    hiddenSize: text.hidden_size,
    layers: text.num_hidden_layers,
    heads: text.num_attention_heads,
    intermediateSize: text.intermediate_size,
    maxPositions: text.max_position_embeddings,
  };
}

function native(arch: FoundationArch, json: Record<string, unknown>, file: string): FoundationConfig {
  const { architecture: _ignored, ...rest } = json;
  const parsed = arch === 'ctclip' ? CtClipConfigSchema.safeParse(rest) : MerlinConfigSchema.safeParse(rest);
  if (!parsed.success) {
    throw new UserError(
      'INVALID_INPUT',
      `The config ${file} does not describe a ${arch} model: ${issues(parsed.error)}.`,
    );
  }
  return arch === 'ctclip'
    ? { arch, config: parsed.data as CtClipConfig }
    : { arch, config: parsed.data as MerlinConfig };
}

function checkText(text: HfTextConfig, modelType: string, eps: number, file: string): void {
  const refuse = (what: string): never => {
    throw new UserError(
      'INVALID_INPUT',
      `The config ${file}: text_config ${what}; this workbench implements the released ${modelType} text encoder only.`,
    );
  };
  if (text.model_type !== undefined && text.model_type !== modelType)
    refuse(`is a "${text.model_type}" model, not "${modelType}"`);
  if (text.hidden_act !== undefined && text.hidden_act !== 'gelu')
    refuse(`uses hidden_act "${text.hidden_act}", not "gelu"`);
  if (text.position_embedding_type !== undefined && text.position_embedding_type !== 'absolute')
    refuse(`uses position_embedding_type "${text.position_embedding_type}", not "absolute"`);
  if (modelType === 'bert' && text.layer_norm_eps !== undefined && text.layer_norm_eps !== eps)
    refuse(`has layer_norm_eps ${text.layer_norm_eps}, not ${eps}`);
  if (modelType === 'bert' && text.type_vocab_size !== undefined && text.type_vocab_size !== 2)
    refuse(`has type_vocab_size ${text.type_vocab_size}, not 2`);
}

function attentionWindow(value: number | number[] | undefined, file: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const first = value[0];
  if (value.some((w) => w !== first)) {
    throw new UserError(
      'INVALID_INPUT',
      `The config ${file}: text_config.attention_window differs between layers (${value.join(', ')}); one window for all layers is supported.`,
    );
  }
  return first;
}

function camelCaseKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      value,
    ]),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
    .join('; ');
}
