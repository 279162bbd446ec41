/**
 * A standalone state dict in the base model's shape with every LoRA update folded in: what the
 * model would be without wrappers. `<m>.base_layer.weight` becomes `<m>.weight` (base + ΔW, or
 * the merged weight as is when the wrapper is merged, so nothing counts twice),
 * `<m>.base_layer.bias` becomes `<m>.bias`, the factors are left out. The model is not changed.
 * Every tensor returned is new and owned by the caller (dispose with disposeStateDict).
 */
import type { Module } from '../module';
import { tf, type Tensor } from '../tf';
import type { LoraLayer } from './lora-layer';
import { joinName, loraLayers } from './lora-modules';

export function mergedStateDict(model: Module): Map<string, Tensor> {
  const wrappers = new Map(loraLayers(model));
  const result = new Map<string, Tensor>();
  for (const [key, value] of model.stateDict()) {
    const owner = wrapperOf(key, wrappers);
    if (!owner) {
      result.set(key, tf.clone(value));
      continue;
    }
    const [wrapperName, layer] = owner;
    const inner = wrapperName ? key.slice(wrapperName.length + 1) : key;
    if (inner === 'base_layer.weight') result.set(joinName(wrapperName, 'weight'), layer.mergedWeight());
    else if (inner.startsWith('base_layer.'))
      result.set(joinName(wrapperName, inner.slice('base_layer.'.length)), tf.clone(value));
    // lora_A.* and lora_B.* are folded into the weight above.
  }
  return result;
}

function wrapperOf(key: string, wrappers: ReadonlyMap<string, LoraLayer>): [string, LoraLayer] | null {
  const parts = key.split('.');
  for (let length = parts.length - 1; length >= 0; length -= 1) {
    const name = parts.slice(0, length).join('.');
    const layer = wrappers.get(name);
    if (layer) return [name, layer];
  }
  return null;
}
