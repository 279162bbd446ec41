/**
 * A depthwise Conv3d (`nn.Conv3d(dim, dim, k, groups=dim)`) with PyTorch's key names and layout
 * (`weight` [C, 1, kd, kh, kw], `bias` [C]) on channels-last [N, D, H, W, C] input, no padding
 * (the caller pads). tfjs has no grouped 3D convolution: the depth taps are summed over 2D
 * depthwise convolutions of shifted slabs. Where the backend has no gradient kernels for
 * depthwiseConv2d (tfjs-backend-wasm), every tap is a shifted slice times a per-channel weight
 * instead: the same sum, differentiable with elementwise ops only.
 */
import { BugError } from '../../../../shared/errors';
import { torchDefaultUniform } from '../../layers/init';
import { Module } from '../../module';
import { tf, type Tensor, type Variable } from '../../tf';

export type DepthwiseStrategy = 'auto' | 'depthwise2d' | 'taps';

export class DepthwiseConv3d extends Module {
  readonly weight: Variable;
  readonly bias: Variable;

  constructor(
    readonly channels: number,
    readonly kernel: number,
    seed = 1,
  ) {
    super();
    const fanIn = kernel ** 3;
    this.weight = this.registerParameter(
      'weight',
      torchDefaultUniform([channels, 1, kernel, kernel, kernel], fanIn, seed),
    );
    this.bias = this.registerParameter('bias', torchDefaultUniform([channels], fanIn, seed + 1));
  }

  /** x: [N, D, H, W, C] (already padded) -> [N, D-k+1, H-k+1, W-k+1, C]. */
  apply(x: Tensor, strategy: DepthwiseStrategy = 'auto'): Tensor {
    const [n, d, h, w, c] = x.shape;
    if (
      x.rank !== 5 ||
      n === undefined ||
      d === undefined ||
      h === undefined ||
      w === undefined ||
      c !== this.channels
    ) {
      throw new BugError(
        `DepthwiseConv3d(${this.channels}) expects [N, D, H, W, ${this.channels}], got [${x.shape.join(', ')}].`,
      );
    }
    const k = this.kernel;
    const out = [n, d - k + 1, h - k + 1, w - k + 1, c] as const;
    if (out[1] < 1 || out[2] < 1 || out[3] < 1)
      throw new BugError(`DepthwiseConv3d input [${x.shape.join(', ')}] is smaller than the kernel.`);
    const useTaps = strategy === 'taps' || (strategy === 'auto' && !hasDepthwiseGradients());
    return tf.tidy(() => {
      const summed = useTaps ? this.byTaps(x, out) : this.byDepthwise2d(x, out);
      return tf.reshape(tf.add(tf.reshape(summed, [-1, c]), this.bias), [...out]);
    });
  }

  /** One depthwiseConv2d per depth tap over [N·D', H, W, C] slabs. */
  private byDepthwise2d(x: Tensor, out: readonly [number, number, number, number, number]): Tensor {
    const [n, outD, , , c] = out;
    const [, , h = 0, w = 0] = x.shape;
    const k = this.kernel;
    // weight [C, 1, kd, kh, kw] -> per depth tap a filter [kh, kw, C, 1].
    const taps = tf.transpose(tf.reshape(this.weight, [c, k, k * k]), [1, 2, 0]); // [kd, kh·kw, C]
    let sum: Tensor | null = null;
    for (let kd = 0; kd < k; kd += 1) {
      const slab = tf.reshape<tf.Rank.R4>(tf.slice(x, [0, kd, 0, 0, 0], [n, outD, h, w, c]), [n * outD, h, w, c]);
      const filter = tf.reshape<tf.Rank.R4>(tf.slice(taps, [kd, 0, 0], [1, k * k, c]), [k, k, c, 1]);
      const y = tf.depthwiseConv2d(slab, filter, 1, 'valid');
      sum = sum ? tf.add(sum, y) : y;
    }
    if (!sum) throw new BugError('DepthwiseConv3d has an empty kernel.');
    return sum;
  }

  /** Σ over the k³ taps of a shifted slice times that tap's per-channel weight. */
  private byTaps(x: Tensor, out: readonly [number, number, number, number, number]): Tensor {
    const [n, outD, outH, outW, c] = out;
    const k = this.kernel;
    const taps = tf.transpose(tf.reshape(this.weight, [c, k * k * k])); // [k³, C]
    let sum: Tensor | null = null;
    for (let kd = 0; kd < k; kd += 1) {
      for (let kh = 0; kh < k; kh += 1) {
        for (let kw = 0; kw < k; kw += 1) {
          const index = (kd * k + kh) * k + kw;
          const shifted = tf.reshape(tf.slice(x, [0, kd, kh, kw, 0], [n, outD, outH, outW, c]), [-1, c]);
          const term = tf.mul(shifted, tf.reshape(tf.slice(taps, [index, 0], [1, c]), [c]));
          sum = sum ? tf.add(sum, term) : term;
        }
      }
    }
    if (!sum) throw new BugError('DepthwiseConv3d has an empty kernel.');
    return sum;
  }
}

function hasDepthwiseGradients(): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel('DepthwiseConv2dNativeBackpropInput', backend) !== undefined &&
    tf.getKernel('DepthwiseConv2dNativeBackpropFilter', backend) !== undefined
  );
}
