/**
 * Every random mask a training step draws (Dropout layers, LoRA dropout) comes from a seed set
 * here before the step, derived from the run's seed and the step number. A run resumed from a
 * checkpoint therefore draws exactly the masks an uninterrupted run would have.
 */
import { Dropout } from '../layers/dropout';
import { isLoraLayer } from '../lora/lora-layer';
import type { Module } from '../module';

export function reseedRandomness(model: Module, runSeed: number, step: number): void {
  let index = 0;
  for (const [, module] of model.namedModules()) {
    if (module instanceof Dropout || isLoraLayer(module)) {
      module.reseed(mixSeed(runSeed, step, index));
      index += 1;
    }
  }
}

/** A 32-bit seed from three integers (murmur3's finaliser on a running hash). */
export function mixSeed(a: number, b: number, c: number): number {
  let h = 0x811c9dc5;
  for (const value of [a, b, c]) {
    h = Math.imul(h ^ (value >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}
