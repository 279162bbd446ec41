/**
 * CTViT's `to_patch_emb` (and `to_patch_emb_first_frame`): an nn.Sequential whose index 0 is the
 * parameter-free rearrange 'b c (t pt) (h p1) (w p2) -> b t h w (c pt p1 p2)', then 1
 * LayerNorm(c·pt·p1·p2), 2 Linear(c·pt·p1·p2, dim), 3 LayerNorm(dim).
 *
 * Input here is channels-last [N, D, H, W, C] (D the axial slices): for C = 1 the same memory as
 * PyTorch's [N, 1, D, H, W]. The rearrange uses transposes of rank ≤ 4 only.
 */
import { BugError } from '../../../../shared/errors';
import { SeedSequence } from '../../layers/init';
import { LayerNorm } from '../../layers/layer-norm';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';

export interface PatchSizes {
  channels: number;
  temporal: number;
  height: number;
  width: number;
}

/** [N, D, H, W, C] -> [N, D/pt, H/p1, W/p2, C·pt·p1·p2], patch features ordered (c, pt, p1, p2). */
export function volumeToPatches(x: Tensor, sizes: PatchSizes): Tensor {
  const [n, d, h, w, c] = x.shape;
  const { temporal: pt, height: p1, width: p2 } = sizes;
  if (
    x.rank !== 5 ||
    n === undefined ||
    d === undefined ||
    h === undefined ||
    w === undefined ||
    c !== sizes.channels
  ) {
    throw new BugError(`CTViT expects a volume [N, D, H, W, ${sizes.channels}], got [${x.shape.join(', ')}].`);
  }
  if (d % pt !== 0 || h % p1 !== 0 || w % p2 !== 0) {
    throw new BugError(`Volume [${x.shape.join(', ')}] does not divide into ${pt}x${p1}x${p2} patches.`);
  }
  const [t, gh, gw] = [d / pt, h / p1, w / p2];
  return tf.tidy(() => {
    // (n t pt gh) p1 gw (p2 c) -> (n t pt gh) gw p1 (p2 c)
    const a = tf.transpose(tf.reshape(x, [n * d * gh, p1, gw, p2 * c]), [0, 2, 1, 3]);
    // (n t) pt (gh gw) (p1 p2 c) -> (n t) (gh gw) pt (p1 p2 c)
    const b = tf.transpose(tf.reshape(a, [n * t, pt, gh * gw, p1 * p2 * c]), [0, 2, 1, 3]);
    // (n t gh gw) (pt p1 p2) c -> (n t gh gw) c (pt p1 p2)
    const features = tf.transpose(tf.reshape(b, [n * t * gh * gw, pt * p1 * p2, c]), [0, 2, 1]);
    return tf.reshape(features, [n, t, gh, gw, c * pt * p1 * p2]);
  });
}

export class PatchEmbedding extends Module {
  readonly patchDim: number;

  constructor(
    readonly sizes: PatchSizes,
    readonly dim: number,
    seed = 1,
  ) {
    super();
    const seeds = new SeedSequence(seed);
    this.patchDim = sizes.channels * sizes.temporal * sizes.height * sizes.width;
    this.registerModule('1', new LayerNorm(this.patchDim));
    this.registerModule('2', new Linear(this.patchDim, dim, { seed: seeds.take() }));
    this.registerModule('3', new LayerNorm(dim));
  }

  /** [N, D, H, W, C] -> tokens [N, t, h, w, dim]. */
  apply(x: Tensor): Tensor {
    return tf.tidy(() => {
      const patches = volumeToPatches(x, this.sizes);
      return this.layer('3').apply(this.layer('2').apply(this.layer('1').apply(patches)));
    });
  }
}
