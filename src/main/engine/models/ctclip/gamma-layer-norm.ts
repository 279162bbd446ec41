/**
 * CTViT's LayerNorm (transformer_maskgit attention.py): a learned scale `gamma` and a `beta`
 * buffer that is saved but never trained (zeros in the reference), eps 1e-5, over the last axis.
 */
import { BugError } from '../../../../shared/errors';
import { Module } from '../../module';
import { normaliseLastAxis } from '../../layers/layer-norm';
import { tf, type Tensor, type Variable } from '../../tf';

const EPS = 1e-5;

export class GammaLayerNorm extends Module {
  readonly gamma: Variable;

  constructor(readonly dim: number) {
    super();
    this.gamma = this.registerParameter('gamma', tf.ones([dim]));
    this.registerBuffer('beta', tf.zeros([dim]));
  }

  /** x: [..., dim] -> same shape. */
  apply(x: Tensor): Tensor {
    const last = x.shape[x.shape.length - 1];
    if (last !== this.dim) throw new BugError(`LayerNorm(${this.dim}) got a last axis of ${String(last)}.`);
    return normaliseLastAxis(x, this.gamma, this.buffer('beta'), EPS);
  }
}
