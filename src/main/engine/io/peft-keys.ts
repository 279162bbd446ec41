/**
 * Tensor names in a PEFT adapter file. PEFT's get_peft_model_state_dict
 * (peft/src/peft/utils/save_and_load.py) keeps only "lora_" keys when bias is "none" and removes
 * the adapter name ("model.q_proj.lora_A.default.weight" becomes "model.q_proj.lora_A.weight");
 * a PeftModel wraps the model as `base_model.model`, so a saved key reads
 * `base_model.model.<module path>.lora_A.weight`, where <module path> is the dotted path of the
 * adapted layer in the base model's state dict (see ../module.ts).
 */

export const PEFT_KEY_PREFIX = 'base_model.model.';

export type LoraPart = 'A' | 'B';

export function loraKey(modulePath: string, part: LoraPart): string {
  return `${PEFT_KEY_PREFIX}${modulePath}.lora_${part}.weight`;
}

const LORA_KEY = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

/** The module path and part of a PEFT LoRA key, or undefined for any other name. */
export function parseLoraKey(key: string): { modulePath: string; part: LoraPart } | undefined {
  const match = LORA_KEY.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  return { modulePath: match[1], part: match[2] as LoraPart };
}

/** The key of a base-model parameter an adapter carries whole (PEFT's modules_to_save). */
export function savedParameterKey(parameterName: string): string {
  return `${PEFT_KEY_PREFIX}${parameterName}`;
}
