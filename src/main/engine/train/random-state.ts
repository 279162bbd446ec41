/**
 * The position of every random-mask stream under a module (Dropout layers, LoRA dropout), taken
 * so that a block's forward can be run again with exactly the masks it drew the first time
 * (gradient checkpointing recomputes a block inside the backward) and the streams then put back
 * where they were, so the recompute neither changes nor advances any later mask. Both kinds of
 * layer give their position (`maskPosition`) and continue from it when reseeded with it.
 */
import { Dropout } from '../layers/dropout';
import { isLoraLayer } from '../lora/lora-layer';
import type { Module } from '../module';

export interface RandomState {
  /** Put every stream back to where it was when the state was taken. */
  restore(): void;
}

export function takeRandomState(root: Module): RandomState {
  const restorers: Array<() => void> = [];
  for (const [, module] of root.namedModules()) {
    if (module instanceof Dropout || isLoraLayer(module)) {
      const position = module.maskPosition;
      restorers.push(() => module.reseed(position));
    }
  }
  return {
    restore: () => {
      for (const restore of restorers) restore();
    },
  };
}
