/**
 * Take every LoRA wrapper off a model: each wrapper is unmerged (so its base weight is the
 * original, bit for bit), replaced in its parent by its base layer, and its factors disposed.
 * The base layers' tensors are kept as they are, so another adapter (with other targets, rank or
 * kind) can then be applied without reloading the base model.
 *
 * Trainable flags are left as applyLora set them (base parameters frozen); applyLora sets them
 * again for the next adapter.
 */
import { BugError } from '../../../shared/errors';
import type { Module } from '../module';
import { loraLayers } from './lora-modules';

/** Returns the dotted names of the modules that were unwrapped, in model order. */
export function removeLora(model: Module): string[] {
  const wrappers = loraLayers(model);
  const byName = new Map(model.namedModules());
  const removed: string[] = [];
  for (const [name, layer] of wrappers) {
    const dot = name.lastIndexOf('.');
    const parent = byName.get(dot < 0 ? '' : name.slice(0, dot));
    if (!parent || name === '') throw new BugError(`The LoRA wrapper ${name || '(root)'} has no parent module.`);
    layer.unmerge();
    parent.replaceModule(name.slice(dot + 1), layer.baseLayer);
    layer.loraA.dispose();
    layer.loraB.dispose();
    removed.push(name);
  }
  return removed;
}
