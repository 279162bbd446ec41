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
 * - `ctvlm.saved_parameters`: base-model parameters (dotted names, e.g. "encode_text.linear_layer.weight",
 *   "temperature") that training updated whole and the adapter carries whole, under
 *   `base_model.model.<name>`: PEFT's modules_to_save (HCC-Merlin trains the projections and the
 *   temperature besides LoRA). Attaching such an adapter overwrites those values in the model.
 * - `ctvlm.dropout_pattern`: module path to LoRA dropout, for the layers whose dropout is not
 *   lora_dropout (PEFT has one dropout for all layers; exact module paths, no regex). Dropout
 *   acts only in training; PEFT, ignoring the key, gives every layer lora_dropout.
 *
 * Per-layer rank and alpha are PEFT's `rank_pattern` / `alpha_pattern`: {key: value}, where a
 * key applies to a module whose dotted path matches `re.match(rf"(.*\.)?({key})$", path)` (key
 * read as a regex; the first matching key, in file order, wins; no match: r / lora_alpha), as
 * peft.utils.other.get_pattern_key does. We write full module paths as keys; rankOf / alphaOf
 * resolve any key. A key JavaScript cannot compile as a regex is refused.
 *
 * PEFT stays able to read the file: PeftConfigMixin.from_peft_type drops keys it does not know
 * (with a warning), so `ctvlm` is ignored there. Features we do not implement (DoRA, rsLoRA,
 * bias training, fan_in_fan_out) are refused when present.
 */
import { z } from 'zod';

export const CtvlmAdapterFieldsSchema = z.object({
  format_version: z.literal(1),
  base_model_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  conv_lora_modules: z.array(z.string().min(1)),
  saved_parameters: z
    .array(z.string().min(1))
    .refine((names) => new Set(names).size === names.length, 'lists a parameter twice')
    .optional(),
  dropout_pattern: z.record(z.string().min(1), z.number().min(0).lt(1)).optional(),
});

/** PEFT's full match of a pattern key against a module path, or null if the key is no regex here. */
function patternRegex(key: string): RegExp | null {
  try {
    return new RegExp(`^(?:.*\\.)?(?:${key})$`);
  } catch {
    return null;
  }
}

function pattern<T extends z.ZodType<number>>(value: T) {
  return z.record(z.string().min(1), value).superRefine((entries, context) => {
    for (const key of Object.keys(entries)) {
      if (!patternRegex(key)) context.addIssue({ code: 'custom', path: [key], message: 'is not a valid regex' });
    }
  });
}

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
  rank_pattern: pattern(z.number().int().positive()).optional(),
  alpha_pattern: pattern(z.number().positive()).optional(),
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

/** The key of `patterns` that applies to `modulePath` as PEFT matches it (first in order), if any. */
export function patternKey(
  patterns: Readonly<Record<string, number>> | undefined,
  modulePath: string,
): string | undefined {
  return Object.keys(patterns ?? {}).find((key) => patternRegex(key)?.test(modulePath) ?? false);
}

/** The LoRA rank of one adapted layer: its rank_pattern entry, else r. */
export function rankOf(config: AdapterConfig, modulePath: string): number {
  const key = patternKey(config.rank_pattern, modulePath);
  return key === undefined ? config.r : (config.rank_pattern?.[key] ?? config.r);
}

/** The LoRA alpha of one adapted layer: its alpha_pattern entry, else lora_alpha. */
export function alphaOf(config: AdapterConfig, modulePath: string): number {
  const key = patternKey(config.alpha_pattern, modulePath);
  return key === undefined ? config.lora_alpha : (config.alpha_pattern?.[key] ?? config.lora_alpha);
}

/** The LoRA dropout of one adapted layer: its ctvlm.dropout_pattern entry (exact path), else lora_dropout. */
export function dropoutOf(config: AdapterConfig, modulePath: string): number {
  const pattern = config.ctvlm.dropout_pattern;
  return pattern && Object.hasOwn(pattern, modulePath)
    ? (pattern[modulePath] ?? config.lora_dropout)
    : config.lora_dropout;
}

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
