/**
 * The HCC-Merlin paper's PEFT preset on Merlin: ConvLoRA r=2, α=2, dropout 0 on every bottleneck
 * conv1/conv2/conv3 and downsample.0 (154 Conv3d in ResNet-152; the stem is not adapted), LoRA
 * r=16, α=32, dropout 0.2 on the Longformer's query/key/value in every layer (not the *_global
 * projections), and, trained whole, `contrastive_head`, `linear_layer` and the temperature, which
 * lives in Merlin's otherwise unused `logit_scale` so the checkpoint still loads strictly. Every
 * other parameter, BatchNorm included, is frozen (BatchNorm statistics are never updated here).
 *
 * The two LoraSettings are the `peft` run method's defaults (DEFAULT_IMAGE_LORA, DEFAULT_TEXT_LORA);
 * a name target such as "query" matches `….self.query` but not `….self.query_global`.
 */
import type { LoraSettings } from '../../../../shared/api/run-schemas';
import { applyLora, type LoraApplication } from '../../lora/apply-lora';
import { convLoraParameterCount, loraLinearParameterCount } from '../../lora/lora-parameter-count';
import { targetPattern } from '../../train/configure-method';
import type { MerlinConfig } from './merlin-config';
import type { Merlin } from './merlin';
import { countParameters, merlinTensorShapes, type TensorShape } from './merlin-parameter-shapes';

export const HCC_MERLIN_IMAGE_LORA: LoraSettings = {
  rank: 2,
  alpha: 2,
  dropout: 0,
  targets: ['/encode_image\\.i3_resnet\\.layer\\d\\.\\d+\\.(conv[123]|downsample\\.0)/'],
};

export const HCC_MERLIN_TEXT_LORA: LoraSettings = {
  rank: 16,
  alpha: 32,
  dropout: 0.2,
  targets: ['query', 'key', 'value'],
};

/** Parameters HCC-Merlin trains whole besides the adapters. */
export const HCC_MERLIN_WHOLE_PARAMETERS =
  /^(logit_scale$|encode_image\.i3_resnet\.contrastive_head\.|encode_text\.linear_layer\.)/;

export interface HccMerlinParameterCounts {
  convLora: number;
  textLora: number;
  /** contrastive_head + linear_layer + logit_scale. */
  whole: number;
  trainable: number;
  total: number;
}

/** Wrap the preset's layers in place and freeze the rest; returns the wrapped module names. */
export function applyHccMerlinPeft(model: Merlin, seed = 42): string[] {
  const apply = (settings: LoraSettings, kind: 'conv-lora' | 'lora', offset: number): LoraApplication =>
    applyLora(model, {
      targets: targetPattern(settings.targets),
      kind,
      rank: settings.rank,
      alpha: settings.alpha,
      dropout: settings.dropout,
      seed: seed + offset,
      keepTrainable: HCC_MERLIN_WHOLE_PARAMETERS,
    });
  return [...apply(HCC_MERLIN_IMAGE_LORA, 'conv-lora', 1).wrapped, ...apply(HCC_MERLIN_TEXT_LORA, 'lora', 2).wrapped];
}

/** The preset's parameter counts for a config, from shapes alone (nothing is allocated). */
export function hccMerlinParameterCounts(config: MerlinConfig): HccMerlinParameterCounts {
  const shapes = merlinTensorShapes(config);
  const convLora = loraCount(shapes, HCC_MERLIN_IMAGE_LORA);
  const textLora = loraCount(shapes, HCC_MERLIN_TEXT_LORA);
  const whole = shapes
    .filter((entry) => !entry.buffer && HCC_MERLIN_WHOLE_PARAMETERS.test(entry.name))
    .reduce((sum, entry) => sum + entry.shape.reduce((product, size) => product * size, 1), 0);
  const total = countParameters(shapes) + convLora + textLora;
  return { convLora, textLora, whole, trainable: convLora + textLora + whole, total };
}

/** Module names the settings' targets match (as applyLora matches them) among the weights in `shapes`. */
export function loraTargetModules(shapes: readonly TensorShape[], settings: LoraSettings): TensorShape[] {
  const whole = new RegExp(`^(?:${targetPattern(settings.targets).source})$`);
  return shapes
    .filter((entry) => !entry.buffer && entry.name.endsWith('.weight'))
    .map((entry) => ({ ...entry, name: entry.name.slice(0, -'.weight'.length) }))
    .filter((entry) => whole.test(entry.name));
}

function loraCount(shapes: readonly TensorShape[], settings: LoraSettings): number {
  return loraTargetModules(shapes, settings).reduce((sum, { shape }) => {
    const [out = 0, inFeatures = 0, ...kernel] = shape;
    return (
      sum +
      (kernel.length === 3
        ? convLoraParameterCount(inFeatures, out, kernel as [number, number, number], settings.rank)
        : loraLinearParameterCount(inFeatures, out, settings.rank))
    );
  }, 0);
}
