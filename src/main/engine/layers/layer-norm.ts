/**
 * LayerNorm over the last axis with PyTorch's key names (`weight`, `bias`) and biased variance.
 * eps is 1e-5 by default (PyTorch); BERT checkpoints use 1e-12.
 */
import { BugError } from '../../../shared/errors';
import { Module } from '../module';
import { tf, type Tensor, type Variable } from '../tf';
import { layerNormLastAxis } from './fused-norm/fused-layer-norm';

export const BERT_LAYER_NORM_EPS = 1e-12;

export class LayerNorm extends Module {
  readonly weight: Variable;
  readonly bias: Variable;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.registerParameter('weight', tf.ones([dim]));
    this.bias = this.registerParameter('bias', tf.zeros([dim]));
  }

  /** x: [..., dim] -> same shape. */
  apply(x: Tensor): Tensor {
    const last = x.shape[x.shape.length - 1];
    if (last !== this.dim) throw new BugError(`LayerNorm(${this.dim}) got a last axis of ${String(last)}.`);
    return normaliseLastAxis(x, this.weight, this.bias, this.eps);
  }
}

/**
 * (x - mean) / sqrt(var + eps) · weight + bias over the last axis: one fused op on WebGPU
 * (fused-norm/fused-layer-norm.ts), the tfjs ops on the [rows, dim] view elsewhere.
 */
export function normaliseLastAxis(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  return layerNormLastAxis(x, weight, bias, eps);
}
