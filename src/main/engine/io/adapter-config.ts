/**
 * adapter_config.json as Hugging Face PEFT writes it for LoRA (LoraConfig.save_pretrained:
 * json.dumps(indent=2, sort_keys=True)), plus one key of our own, `ctvlm`:
 *
 * - `ctvlm.format_version`: 1.
 * - `ctvlm.base_model_sha256`: sha256 (lower-case hex) of the base-model checkpoint file the
 *   adapter was trained on; an adapter is refused on any other base model.
 * - `ctvlm.conv_lora_modules`: module paths adapted with ConvLoRA (a Conv3d base layer): lora_A is
 *   a Conv3d with the base layer's kernel, stride and padding ([r, in, kd, kh, kw]) and lora_B a
 *   1x1x1 Conv3d ([out, r, 1, 1, 1]), the layout PEFT itself uses for Conv3d. Other modules are
 *   Linear (A [r, in], B [out, r]).
 *
 * PEFT stays able to read the file: PeftConfigMixin.from_peft_type drops keys it does not know
 * (with a warning), so `ctvlm` is ignored there. Features we do not implement (DoRA, rsLoRA,
 * per-layer rank or alpha patterns, bias training, fan_in_fan_out) are refused when present.
 */
import { z } from 'zod';

export const CtvlmAdapterFieldsSchema = z.object({
  format_version: z.literal(1),
  base_model_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  conv_lora_modules: z.array(z.string().min(1)),
});

const emptyPattern = z
  .record(z.string(), z.unknown())
  .refine((pattern) => Object.keys(pattern).length === 0, 'per-layer patterns are not supported: must be {}');

export const AdapterConfigSchema = z.looseObject({
  peft_type: z.literal('LORA'),
  r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  lora_dropout: z.number().min(0).lt(1),
  target_modules: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]),
  base_model_name_or_path: z.string().min(1),
  bias: z.literal('none'),
  task_type: z.null(),
  fan_in_fan_out: z.literal(false),
  inference_mode: z.boolean(),
  use_dora: z.literal(false).optional(),
  use_rslora: z.literal(false).optional(),
  rank_pattern: emptyPattern.optional(),
  alpha_pattern: emptyPattern.optional(),
  ctvlm: CtvlmAdapterFieldsSchema,
});

export type AdapterConfig = z.infer<typeof AdapterConfigSchema>;

/** PEFT's LoraConfig fields we do not set ourselves, with the values of a plain LoRA adapter. */
export const PEFT_LORA_DEFAULTS = {
  alpha_pattern: {},
  auto_mapping: null,
  init_lora_weights: true,
  layers_pattern: null,
  layers_to_transform: null,
  modules_to_save: null,
  rank_pattern: {},
  revision: null,
  use_dora: false,
  use_rslora: false,
} as const;

/** The JSON text PEFT would write: sorted keys (recursively), two-space indent. */
export function adapterConfigJson(config: AdapterConfig): string {
  return JSON.stringify(sortKeys({ ...PEFT_LORA_DEFAULTS, ...config }), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, entry]) => [key, sortKeys(entry)]));
}

/** Readable list of zod problems: "path: message; path: message". */
export function describeConfigIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}
