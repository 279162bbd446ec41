/**
 * Data-dependent BatchNorm statistics for a model trained from scratch: our BatchNorm3d keeps its
 * running statistics frozen (as the reference fine-tuning code does), so a freshly initialised
 * network would normalise with mean 0 and variance 1 whatever its activations are. One forward pass
 * over a representative batch, layer by layer in order, sets each layer's statistics from its actual
 * input, so every later layer already sees normalised activations.
 */
import type { Module } from '../module';
import { BatchNorm3d } from './batch-norm3d';

export function calibrateBatchNorm(model: Module, forward: () => void): number {
  const layers = model.namedModules().flatMap(([, module]) => (module instanceof BatchNorm3d ? [module] : []));
  for (const layer of layers) layer.calibrating = true;
  try {
    forward();
  } finally {
    for (const layer of layers) layer.calibrating = false;
  }
  return layers.length;
}
