/** Finding the LoRA wrappers of a model and the dotted names of their factors. */
import type { Module } from '../module';
import { isLoraLayer, type LoraLayer } from './lora-layer';

/** Every LoRA wrapper in `model`, with its dotted name. */
export function loraLayers(model: Module): Array<[string, LoraLayer]> {
  const found: Array<[string, LoraLayer]> = [];
  for (const [name, module] of model.namedModules()) if (isLoraLayer(module)) found.push([name, module]);
  return found;
}

/** `a.b` joined with a possibly empty prefix. */
export function joinName(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** Dotted names of every LoRA factor parameter (`<wrapper>.lora_A.weight`, `<wrapper>.lora_B.weight`). */
export function loraParameterNames(model: Module): Set<string> {
  const names = new Set<string>();
  for (const [name, layer] of loraLayers(model)) {
    for (const [parameter] of layer.loraA.namedParameters(joinName(name, 'lora_A'))) names.add(parameter);
    for (const [parameter] of layer.loraB.namedParameters(joinName(name, 'lora_B'))) names.add(parameter);
  }
  return names;
}
