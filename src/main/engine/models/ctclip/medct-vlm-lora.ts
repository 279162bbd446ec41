/**
 * The MedCT-VLM PEFT preset (LoRA on CT-CLIP): r = 16, alpha = 32, dropout 0.05 on CTViT's
 * attention projections `to_q`, `to_kv`, `to_out` in the spatial and temporal stacks; r = 8,
 * alpha = 16 on BERT's `query`, `key`, `value` and `dense` modules. Targets are HF PEFT
 * `target_modules` names (a module matches when its dotted name ends with one), as the paper's
 * PEFT setup would match them: "dense" then covers attention.output.dense, intermediate.dense and
 * output.dense in all 12 layers, and pooler.dense, which is how 24 + 73 = 97 adapted layers and
 * 1,667,072 trainable parameters (the paper's "97 adapter layers" and "1.67M, 0.38%") come out.
 * The paper gives no text dropout; the vision value (0.05) is used for both.
 */
import type { LoraSettings } from '../../../../shared/api/run-schemas';
import { applyLora, type LoraApplication } from '../../lora/apply-lora';
import { loraLinearParameterCount } from '../../lora/lora-parameter-count';
import type { CtClip } from './ct-clip';
import type { CtClipConfig } from './ctclip-config';
import { ctClipTensorShapes } from './ctclip-parameter-shapes';

export const MEDCT_VLM_VISION_LORA: LoraSettings = {
  rank: 16,
  alpha: 32,
  dropout: 0.05,
  targets: ['to_q', 'to_kv', 'to_out'],
};

export const MEDCT_VLM_TEXT_LORA: LoraSettings = {
  rank: 8,
  alpha: 16,
  dropout: 0.05,
  targets: ['query', 'key', 'value', 'dense'],
};

export const MEDCT_VLM_LORA = { vision: MEDCT_VLM_VISION_LORA, text: MEDCT_VLM_TEXT_LORA } as const;

/** Wrap the preset's modules of a CT-CLIP in LoRA and freeze everything else. */
export function applyMedCtVlmLora(model: CtClip, seed = 1): LoraApplication {
  const vision = applyLora(model, { ...MEDCT_VLM_VISION_LORA, kind: 'lora', seed });
  const text = applyLora(model, { ...MEDCT_VLM_TEXT_LORA, kind: 'lora', seed: seed + 1 });
  return { wrapped: [...vision.wrapped, ...text.wrapped], trainableParameters: text.trainableParameters };
}

export interface LoraCount {
  /** Dotted names of the Linear modules the targets match. */
  modules: string[];
  parameters: number;
}

/** The LoRA factors one preset part adds to a CT-CLIP of `config`, from shapes alone. */
export function loraCountFromShapes(config: CtClipConfig, settings: LoraSettings): LoraCount {
  const modules: string[] = [];
  let parameters = 0;
  for (const { name, shape } of ctClipTensorShapes(config)) {
    if (!name.endsWith('.weight') || shape.length !== 2) continue;
    const module = name.slice(0, -'.weight'.length);
    if (!settings.targets.some((target) => module === target || module.endsWith(`.${target}`))) continue;
    const [outFeatures = 0, inFeatures = 0] = shape;
    modules.push(module);
    parameters += loraLinearParameterCount(inFeatures, outFeatures, settings.rank);
  }
  return { modules, parameters };
}
