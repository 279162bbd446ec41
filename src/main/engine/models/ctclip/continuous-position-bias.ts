/**
 * CTViT's `spatial_rel_pos_bias` (continuous relative position bias, Swin v2): for every pair of
 * positions on the (h, w) patch grid, the offset (Δi, Δj) → sign · log(|Δ| + 1) → an MLP
 * (`net.0.0` Linear(2, dim), LeakyReLU(0.1), `net.1.0` Linear(dim, dim), LeakyReLU(0.1), ...,
 * `net.<last>` Linear(dim, heads)) → a bias [heads, h·w, h·w] added to the spatial attention logits.
 */
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';

const LEAKY_SLOPE = 0.1;

/** The reference's nn.Sequential(Linear, LeakyReLU): key `<index>.0`. */
class LinearLeaky extends Module {
  constructor(inFeatures: number, outFeatures: number, seed: number) {
    super();
    this.registerModule('0', new Linear(inFeatures, outFeatures, { seed }));
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => tf.leakyRelu(this.layer('0').apply(x), LEAKY_SLOPE));
  }
}

class Net extends Module {
  constructor(dim: number, heads: number, layers: number, seeds: SeedSequence) {
    super();
    this.registerModule('0', new LinearLeaky(2, dim, seeds.take()));
    for (let i = 1; i < layers; i += 1) this.registerModule(String(i), new LinearLeaky(dim, dim, seeds.take()));
    this.registerModule(String(layers), new Linear(dim, heads, { seed: seeds.take() }));
  }

  apply(x: Tensor): Tensor {
    return tf.tidy(() => this.children().reduce((y, [name]) => this.layer(name).apply(y), x));
  }
}

export class ContinuousPositionBias extends Module {
  readonly net: Net;

  constructor(
    readonly dim: number,
    readonly heads: number,
    layers = 2,
    seed = 1,
  ) {
    super();
    this.net = this.registerModule('net', new Net(dim, heads, layers, new SeedSequence(seed)));
  }

  /** The bias for an h x w grid: [heads, h·w, h·w]. */
  apply(h: number, w: number): Tensor {
    return tf.tidy(() => {
      const offsets = relativeLogOffsets(h, w);
      const n = h * w;
      const perPair = this.net.apply(offsets); // [n·n, heads]
      return tf.reshape(tf.transpose(perPair), [this.heads, n, n]);
    });
  }
}

/** [n·n, 2] with row (i·n + j) = sign(p_i − p_j) · log(|p_i − p_j| + 1), p = (row, col), row-major. */
export function relativeLogOffsets(h: number, w: number): Tensor {
  const n = h * w;
  const values = new Float32Array(n * n * 2);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const di = Math.floor(i / w) - Math.floor(j / w);
      const dj = (i % w) - (j % w);
      values[(i * n + j) * 2] = Math.sign(di) * Math.log(Math.abs(di) + 1);
      values[(i * n + j) * 2 + 1] = Math.sign(dj) * Math.log(Math.abs(dj) + 1);
    }
  }
  return tf.tensor2d(values, [n * n, 2]);
}
