/**
 * CTViT's feed-forward (transformer_maskgit attention.py `FeedForward`), an nn.Sequential whose
 * indices are the key names: 0 LayerNorm(dim), 1 Linear(dim, 2·inner, no bias), 2 GEGLU,
 * 3 Dropout, 4 Linear(inner, dim, no bias); inner = floor(mult · 2/3 · dim) (CT-CLIP: 1365).
 * GEGLU splits the last axis in halves (value, gate) and returns value · GELU(gate), exact GELU.
 */
import { BugError } from '../../../../shared/errors';
import { Dropout } from '../../layers/dropout';
import { SeedSequence } from '../../layers/init';
import { LayerNorm } from '../../layers/layer-norm';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { gelu } from '../../layers/fused-gelu/gelu';

/** x [..., 2·inner] -> x[..., :inner] · GELU(x[..., inner:]). */
export function geglu(x: Tensor): Tensor {
  return tf.tidy(() => {
    const [value, gate] = tf.split(x, 2, -1);
    if (!value || !gate) throw new BugError('GEGLU split did not give two halves.');
    return tf.mul(value, gelu(gate));
  });
}

export class GegluFeedForward extends Module {
  private readonly dropout: Dropout;

  constructor(
    readonly dim: number,
    readonly inner: number,
    options: { dropout?: number; seed?: number } = {},
  ) {
    super();
    const seeds = new SeedSequence(options.seed ?? 1);
    this.registerModule('0', new LayerNorm(dim));
    this.registerModule('1', new Linear(dim, inner * 2, { bias: false, seed: seeds.take() }));
    this.dropout = this.registerModule('3', new Dropout(options.dropout ?? 0, { seed: seeds.take() }));
    this.registerModule('4', new Linear(inner, dim, { bias: false, seed: seeds.take() }));
  }

  /** x: [..., dim] -> [..., dim] (the residual is the caller's). */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      const hidden = geglu(this.layer('1').apply(this.layer('0').apply(x)));
      return this.layer('4').apply(this.dropout.apply(hidden));
    });
  }
}
